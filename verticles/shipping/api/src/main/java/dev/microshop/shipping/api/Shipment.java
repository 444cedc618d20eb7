package dev.microshop.shipping.api;

import io.vertx.core.json.JsonObject;

import java.util.UUID;

/**
 * A shipment: the reply of {@link ShippingAddresses#GET} and {@link ShippingAddresses#LIST}, and the
 * payload of each of the shipping service's events. Times are ISO-8601 text; the tracking number
 * and the times of shipping and delivery are null until then; the address
 * ({@code {name, street, postcode, city, country}}) is null for an order placed without one.
 */
public record Shipment(UUID orderId, UUID shipmentId, UUID customerId, Status status, String createdAt,
                       String trackingNumber, String shippedAt, String deliveredAt, JsonObject address) {

  /** A shipment's states, stored as their names: prepared, then shipped and delivered, or cancelled before it left. */
  public enum Status {
    PREPARING, SHIPPED, DELIVERED, CANCELLED
  }

  public JsonObject toJson() {
    JsonObject j = new JsonObject()
        .put("orderId", orderId.toString())
        .put("shipmentId", shipmentId.toString())
        .put("customerId", customerId.toString())
        .put("status", status.name())
        .put("createdAt", createdAt);
    if (trackingNumber != null) {
      j.put("trackingNumber", trackingNumber);
    }
    if (shippedAt != null) {
      j.put("shippedAt", shippedAt);
    }
    if (deliveredAt != null) {
      j.put("deliveredAt", deliveredAt);
    }
    if (address != null) {
      j.put("address", address);
    }
    return j;
  }

  public static Shipment fromJson(JsonObject j) {
    return new Shipment(UUID.fromString(j.getString("orderId")), UUID.fromString(j.getString("shipmentId")),
        UUID.fromString(j.getString("customerId")), Status.valueOf(j.getString("status")), j.getString("createdAt"),
        j.getString("trackingNumber"), j.getString("shippedAt"), j.getString("deliveredAt"), j.getJsonObject("address"));
  }
}
