package dev.microshop.customer.api;

import dev.microshop.common.json.Input;
import io.vertx.core.json.JsonObject;

/**
 * Saga command {@code {orderId}}: give the order's credit back ({@link CustomerAddresses#RELEASE_CREDIT});
 * replies a {@link CreditReservation}. Idempotent by order id.
 */
public record ReleaseCredit(String orderId) {

  public static ReleaseCredit fromJson(JsonObject body) {
    return new ReleaseCredit(Input.of(body).only("orderId").matching("orderId", ReserveCredit.ORDER_ID, "an order id"));
  }

  public JsonObject toJson() {
    return new JsonObject().put("orderId", orderId);
  }
}
