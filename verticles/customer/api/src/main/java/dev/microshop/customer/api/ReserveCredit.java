package dev.microshop.customer.api;

import dev.microshop.common.failure.ServiceException;
import dev.microshop.common.json.Input;
import io.vertx.core.json.JsonObject;

import java.util.UUID;
import java.util.regex.Pattern;

/** Saga command: hold {@code amountCents} of the customer's credit for an order. */
public record ReserveCredit(String orderId, UUID customerId, long amountCents) {

  public static final Pattern ORDER_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");

  public static ReserveCredit fromJson(JsonObject body) {
    Input in = Input.of(body).only("orderId", "customerId", "amountCents");
    Object amount = body.getValue("amountCents");
    if (!(amount instanceof Integer || amount instanceof Long) || ((Number) amount).longValue() < 0) {
      throw ServiceException.badRequest("amountCents must be a whole number of cents, 0 or more");
    }
    return new ReserveCredit(in.matching("orderId", ORDER_ID, "an order id"), in.uuid("customerId"), ((Number) amount).longValue());
  }

  public JsonObject toJson() {
    return new JsonObject().put("orderId", orderId).put("customerId", customerId.toString()).put("amountCents", amountCents);
  }
}
