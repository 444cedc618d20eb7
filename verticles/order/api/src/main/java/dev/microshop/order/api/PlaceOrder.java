package dev.microshop.order.api;

import dev.microshop.common.json.Input;
import dev.microshop.inventory.api.OrderLine;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.HexFormat;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Command: place an order for {@code customerId} (from the caller's token, never from the
 * client's body) with {@code lines: [{sku, quantity}]}. A line has a quantity of 1 to 100; an
 * order has 1 to 50 lines, each sku once. A price, a total, a status or an owner in the lines is
 * a 400: prices come from the inventory only. The {@link DeliveryAddress} is optional (null: none).
 */
public record PlaceOrder(UUID customerId, String idempotencyKey, List<OrderLine> lines, DeliveryAddress address) {

  public static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7E]{1,100}");

  public static PlaceOrder fromJson(JsonObject body) {
    Input in = Input.of(body).only("customerId", "idempotencyKey", "lines", "address");
    UUID customer = in.uuid("customerId");
    String key = in.matching("idempotencyKey", IDEMPOTENCY_KEY, "1 to 100 visible ASCII characters");
    return new PlaceOrder(customer, key, OrderLine.listFromJson(body.getValue("lines")),
        DeliveryAddress.fromJson(body.getValue("address")));
  }

  /**
   * What makes two placements with one idempotency key "the same request": the lines, in their
   * order, and the address (an order without one hashes its lines only, as before addresses).
   */
  public String requestHash() {
    String request = address == null ? OrderLine.toJson(lines).encode()
        : new JsonObject().put("lines", OrderLine.toJson(lines)).put("address", address.toJson()).encode();
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(request.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("customerId", customerId.toString()).put("idempotencyKey", idempotencyKey)
        .put("lines", OrderLine.toJson(lines));
    return address == null ? json : json.put("address", address.toJson());
  }
}
