package dev.microshop.order.api;

import dev.microshop.common.failure.ServiceException;
import dev.microshop.common.json.Input;
import dev.microshop.inventory.api.Product;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Command: place an order for {@code customerId} (from the caller's token, never from the
 * client's body) with {@code lines: [{sku, quantity}]}. A line has a quantity of 1 to 100; an
 * order has 1 to 50 lines, each sku once. A price, a total, a status or an owner in the lines is
 * a 400: prices come from the inventory only.
 */
public record PlaceOrder(UUID customerId, String idempotencyKey, JsonArray lines) {

  public static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7E]{1,100}");
  public static final int MAX_LINES = 50;
  public static final int MAX_QUANTITY = 100;

  public static PlaceOrder fromJson(JsonObject body) {
    Input in = Input.of(body).only("customerId", "idempotencyKey", "lines");
    UUID customer = in.uuid("customerId");
    String key = in.matching("idempotencyKey", IDEMPOTENCY_KEY, "1 to 100 visible ASCII characters");
    return new PlaceOrder(customer, key, lines(body.getValue("lines")));
  }

  /** The client's {@code lines}, checked and normalised to {@code [{sku, quantity}]} in their order. */
  public static JsonArray lines(Object raw) {
    if (!(raw instanceof JsonArray array) || array.isEmpty() || array.size() > MAX_LINES) {
      throw ServiceException.badRequest("lines must be a list of 1 to " + MAX_LINES + " lines");
    }
    JsonArray lines = new JsonArray();
    Set<String> skus = new HashSet<>();
    for (Object o : array) {
      if (!(o instanceof JsonObject line)) {
        throw ServiceException.badRequest("each line must be an object {sku, quantity}");
      }
      Input l = Input.of(line).only("sku", "quantity");
      String sku = l.matching("sku", Product.SKU, "a sku (upper-case letters, digits and dashes)");
      int quantity = l.integer("quantity", 1, MAX_QUANTITY);
      if (!skus.add(sku)) {
        throw ServiceException.badRequest("sku " + sku + " appears on two lines");
      }
      lines.add(new JsonObject().put("sku", sku).put("quantity", quantity));
    }
    return lines;
  }

  /** What makes two placements with one idempotency key "the same request". */
  public String requestHash() {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(lines.encode().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public JsonObject toJson() {
    return new JsonObject().put("customerId", customerId.toString()).put("idempotencyKey", idempotencyKey).put("lines", lines);
  }
}
