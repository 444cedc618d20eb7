package dev.microshop.inventory.api;

import dev.microshop.common.json.Input;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * What became of an order's stock: the reply of reserve, release and ship, and of
 * {@code inventory.get-reservation}.
 *
 * @param status     RESERVED, REJECTED, RELEASED or SHIPPED
 * @param lines      {@code [{sku, quantity, priceCents}]} with the catalog's prices (when reserved)
 * @param totalCents the sum of the lines (when reserved)
 * @param reason     why it was rejected
 */
public record StockReservation(String orderId, String status, JsonArray lines, Long totalCents, String reason) {

  public static final String RESERVED = "RESERVED";
  public static final String REJECTED = "REJECTED";
  public static final String RELEASED = "RELEASED";
  public static final String SHIPPED = "SHIPPED";

  public JsonObject toJson() {
    JsonObject j = new JsonObject().put("orderId", orderId).put("status", status).put("lines", lines);
    if (totalCents != null) {
      j.put("totalCents", totalCents);
    }
    if (reason != null) {
      j.put("reason", reason);
    }
    return j;
  }

  public static StockReservation fromJson(JsonObject j) {
    return new StockReservation(j.getString("orderId"), j.getString("status"),
        j.getJsonArray("lines", new JsonArray()), j.getLong("totalCents"), j.getString("reason"));
  }

  /** The body of release, ship and get-reservation: {@code {orderId}}. */
  public static String orderIdOf(JsonObject body) {
    return Input.of(body).only("orderId").matching("orderId", ReserveStock.ORDER_ID, "an order id");
  }

  public static JsonObject command(String orderId) {
    return new JsonObject().put("orderId", orderId);
  }
}
