package dev.microshop.order.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.UUID;

/**
 * The payload of each of the order service's events (type {@link Milestone#eventType()}): the
 * order as it is once the milestone is reached, and the milestone with its reason (why the order
 * was rejected, why a cancel was refused; null for the others).
 *
 * @param lines      {@code [{sku, quantity, priceCents?}]}: with the catalog's prices once the stock is reserved
 * @param totalCents null until the stock is reserved
 * @param address    the {@link DeliveryAddress} as JSON; null (and absent) when the order has none
 */
public record OrderEvent(UUID orderId, UUID customerId, OrderStatus status, JsonArray lines, Long totalCents,
                         String reason, Milestone milestone, String milestoneReason, JsonObject address) {

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("orderId", orderId.toString()).put("customerId", customerId.toString())
        .put("status", status.name()).put("lines", lines).put("totalCents", totalCents).put("reason", reason)
        .put("milestone", milestone.name()).put("milestoneReason", milestoneReason);
    return address == null ? json : json.put("address", address);
  }

  public static OrderEvent fromJson(JsonObject j) {
    return new OrderEvent(UUID.fromString(j.getString("orderId")), UUID.fromString(j.getString("customerId")),
        OrderStatus.valueOf(j.getString("status")), j.getJsonArray("lines"), j.getLong("totalCents"), j.getString("reason"),
        Milestone.valueOf(j.getString("milestone")), j.getString("milestoneReason"), j.getJsonObject("address"));
  }
}
