package dev.microshop.customer.api;

import io.vertx.core.json.JsonObject;

/**
 * What became of an order's credit: the reply of reserve-credit and release-credit.
 *
 * @param status what became of it (stored as its name)
 * @param reason why it was rejected (insufficient credit, unknown customer)
 */
public record CreditReservation(String orderId, Status status, long amountCents, String reason) {

  /** The states of an order's credit. */
  public enum Status {
    RESERVED, REJECTED, RELEASED;

    /** The type of the event the customer service's log records on entering it: {@code credit.reserved}, ... */
    public String eventType() {
      return "credit." + name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public JsonObject toJson() {
    JsonObject j = new JsonObject().put("orderId", orderId).put("status", status.name()).put("amountCents", amountCents);
    return reason == null ? j : j.put("reason", reason);
  }

  public static CreditReservation fromJson(JsonObject j) {
    return new CreditReservation(j.getString("orderId"), Status.valueOf(j.getString("status")), j.getLong("amountCents", 0L), j.getString("reason"));
  }

}
