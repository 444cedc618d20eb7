package dev.microshop.inventory.api;

import dev.microshop.common.json.Input;
import io.vertx.core.json.JsonObject;

import java.util.regex.Pattern;

/**
 * Admin command: add {@code quantity} units to a product's stock on hand. Idempotent by
 * {@code requestId}: the same request again replies with the first outcome and changes
 * nothing; the same id with another sku or quantity is a 409.
 */
public record Restock(String requestId, String sku, int quantity) {

  public static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,100}");
  public static final int MAX_QUANTITY = 100_000;

  public static Restock fromJson(JsonObject body) {
    Input in = Input.of(body).only("requestId", "sku", "quantity");
    return new Restock(
        in.matching("requestId", REQUEST_ID, "1 to 100 letters, digits or ._:-"),
        in.matching("sku", Product.SKU, "3 to 32 upper-case letters, digits or dashes"),
        in.integer("quantity", 1, MAX_QUANTITY));
  }

  public JsonObject toJson() {
    return new JsonObject().put("requestId", requestId).put("sku", sku).put("quantity", quantity);
  }

  /** The reply: the request and the stock on hand right after it was applied (the first time). */
  public static JsonObject outcome(String requestId, String sku, int quantity, int onHandAfter) {
    return new JsonObject().put("requestId", requestId).put("sku", sku).put("quantity", quantity)
        .put("onHand", onHandAfter);
  }
}
