package dev.microshop.inventory.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * What became of an order's stock: the reply of reserve, release and ship, and of
 * {@code inventory.get-reservation}.
 *
 * @param status     what became of it (stored as its name)
 * @param lines      {@code [{sku, quantity, priceCents}]} with the catalog's prices (when reserved)
 * @param totalCents the sum of the lines (when reserved)
 * @param reason     why it was rejected
 */
public record StockReservation(String orderId, Status status, JsonArray lines, Long totalCents, String reason) {

  /** The states of an order's stock. */
  public enum Status {
    RESERVED, REJECTED, RELEASED, SHIPPED;

    /** The type of the event the inventory's log records on entering it: {@code stock.reserved}, ... */
    public String eventType() {
      return "stock." + name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public JsonObject toJson() {
    JsonObject j = new JsonObject().put("orderId", orderId).put("status", status.name()).put("lines", lines);
    if (totalCents != null) {
      j.put("totalCents", totalCents);
    }
    if (reason != null) {
      j.put("reason", reason);
    }
    return j;
  }

  public static StockReservation fromJson(JsonObject j) {
    return new StockReservation(j.getString("orderId"), Status.valueOf(j.getString("status")),
        j.getJsonArray("lines", new JsonArray()), j.getLong("totalCents"), j.getString("reason"));
  }

}
