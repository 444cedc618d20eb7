package dev.microshop.inventory.api;

import dev.microshop.common.json.Input;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Command: reserve the stock of an order's lines, all or nothing. Idempotent by order id.
 * Replies a {@link StockReservation} JSON: {@code RESERVED} with the catalog's prices and the
 * total, or {@code REJECTED} with a reason (unknown product, not enough stock), or
 * {@code RELEASED} when the order was released before (a late reserve is not applied).
 */
public record ReserveStock(String orderId, List<OrderLine> lines) {

  public static final Pattern ORDER_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");

  public static ReserveStock fromJson(JsonObject body) {
    Input in = Input.of(body).only("orderId", "lines");
    return new ReserveStock(in.matching("orderId", ORDER_ID, "an order id"), OrderLine.listFromJson(body.getValue("lines")));
  }

  public JsonObject toJson() {
    return new JsonObject().put("orderId", orderId).put("lines", OrderLine.toJson(lines));
  }
}
