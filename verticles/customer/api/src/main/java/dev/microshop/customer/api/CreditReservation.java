package dev.microshop.customer.api;

import dev.microshop.common.json.Input;
import io.vertx.core.json.JsonObject;

/**
 * What became of an order's credit: the reply of reserve-credit and release-credit.
 *
 * @param status RESERVED, REJECTED or RELEASED
 * @param reason why it was rejected (insufficient credit, unknown customer)
 */
public record CreditReservation(String orderId, String status, long amountCents, String reason) {

  public static final String RESERVED = "RESERVED";
  public static final String REJECTED = "REJECTED";
  public static final String RELEASED = "RELEASED";

  public JsonObject toJson() {
    JsonObject j = new JsonObject().put("orderId", orderId).put("status", status).put("amountCents", amountCents);
    return reason == null ? j : j.put("reason", reason);
  }

  public static CreditReservation fromJson(JsonObject j) {
    return new CreditReservation(j.getString("orderId"), j.getString("status"), j.getLong("amountCents", 0L), j.getString("reason"));
  }

  /** The body of release-credit: {@code {orderId}}. */
  public static String orderIdOf(JsonObject body) {
    return Input.of(body).only("orderId").matching("orderId", ReserveCredit.ORDER_ID, "an order id");
  }
}
