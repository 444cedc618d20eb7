package dev.microshop.inventory.api;

import dev.microshop.common.json.Input;
import io.vertx.core.json.JsonObject;

/**
 * Command or query about one order's stock, {@code {orderId}}: release it
 * ({@link InventoryAddresses#RELEASE}), ship it ({@link InventoryAddresses#SHIP}) or read it
 * ({@link InventoryAddresses#GET_RESERVATION}). Each replies a {@link StockReservation}.
 */
public record StockCommand(String orderId) {

  public static StockCommand fromJson(JsonObject body) {
    return new StockCommand(Input.of(body).only("orderId").matching("orderId", ReserveStock.ORDER_ID, "an order id"));
  }

  public JsonObject toJson() {
    return new JsonObject().put("orderId", orderId);
  }
}
