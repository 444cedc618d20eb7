package dev.microshop.inventory.api;

import dev.microshop.common.failure.ServiceException;
import dev.microshop.common.json.Input;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One line of an order: a product and how many. The one check of a client's lines, used where an
 * order is placed (the web, the order service) and where its stock is reserved (the inventory).
 */
public record OrderLine(String sku, int quantity) {

  public static final int MAX_LINES = 50;
  public static final int MAX_QUANTITY = 100;

  public JsonObject toJson() {
    return new JsonObject().put("sku", sku).put("quantity", quantity);
  }

  /** {@code [{sku, quantity}]}, in the lines' order. */
  public static JsonArray toJson(List<OrderLine> lines) {
    return new JsonArray(lines.stream().map(OrderLine::toJson).toList());
  }

  /**
   * The lines of a message or a client's body: 1 to {@value #MAX_LINES} objects {@code {sku, quantity}},
   * a well-formed sku at most once, a quantity of 1 to {@value #MAX_QUANTITY}; anything else is a 400.
   */
  public static List<OrderLine> listFromJson(Object raw) {
    if (!(raw instanceof JsonArray array) || array.isEmpty() || array.size() > MAX_LINES) {
      throw ServiceException.badRequest("lines must be a list of 1 to " + MAX_LINES + " lines");
    }
    List<OrderLine> lines = new ArrayList<>();
    Set<String> skus = new HashSet<>();
    for (Object o : array) {
      if (!(o instanceof JsonObject line)) {
        throw ServiceException.badRequest("each line must be an object {sku, quantity}");
      }
      Input l = Input.of(line).only("sku", "quantity");
      OrderLine parsed = new OrderLine(l.matching("sku", Product.SKU, "a sku (upper-case letters, digits and dashes)"),
          l.integer("quantity", 1, MAX_QUANTITY));
      if (!skus.add(parsed.sku())) {
        throw ServiceException.badRequest("sku " + parsed.sku() + " appears on two lines");
      }
      lines.add(parsed);
    }
    return List.copyOf(lines);
  }
}
