package dev.microshop.inventory.api;

import dev.microshop.common.failure.ServiceException;
import dev.microshop.common.json.Input;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Command: reserve the stock of an order's lines, all or nothing. Idempotent by order id.
 * Replies a {@link StockReservation} JSON: {@code RESERVED} with the catalog's prices and the
 * total, or {@code REJECTED} with a reason (unknown product, not enough stock), or
 * {@code RELEASED} when the order was released before (a late reserve is not applied).
 */
public record ReserveStock(String orderId, List<Line> lines) {

  public static final Pattern ORDER_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");
  public static final int MAX_LINES = 50;
  public static final int MAX_QUANTITY = 100;

  public record Line(String sku, int quantity) {
    public JsonObject toJson() {
      return new JsonObject().put("sku", sku).put("quantity", quantity);
    }
  }

  public static ReserveStock fromJson(JsonObject body) {
    Input in = Input.of(body).only("orderId", "lines");
    String orderId = in.matching("orderId", ORDER_ID, "an order id");
    Object raw = body.getValue("lines");
    if (!(raw instanceof JsonArray array) || array.isEmpty() || array.size() > MAX_LINES) {
      throw ServiceException.badRequest("lines must be a list of 1 to " + MAX_LINES + " lines");
    }
    List<Line> lines = new ArrayList<>();
    Set<String> skus = new HashSet<>();
    for (Object o : array) {
      if (!(o instanceof JsonObject line)) {
        throw ServiceException.badRequest("each line must be an object {sku, quantity}");
      }
      Input l = Input.of(line).only("sku", "quantity");
      Line parsed = new Line(l.matching("sku", Product.SKU, "a sku"), l.integer("quantity", 1, MAX_QUANTITY));
      if (!skus.add(parsed.sku())) {
        throw ServiceException.badRequest("sku " + parsed.sku() + " appears twice");
      }
      lines.add(parsed);
    }
    return new ReserveStock(orderId, List.copyOf(lines));
  }

  public JsonObject toJson() {
    return new JsonObject().put("orderId", orderId)
        .put("lines", new JsonArray(lines.stream().map(Line::toJson).toList()));
  }
}
