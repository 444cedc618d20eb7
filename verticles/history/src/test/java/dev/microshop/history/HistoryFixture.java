package dev.microshop.history;

import dev.microshop.common.eventlog.EventLogAddresses;
import dev.microshop.history.api.HistoryAddresses;
import dev.microshop.order.Shop;
import dev.microshop.order.api.OrderAddresses;
import dev.microshop.shipping.ShippingVerticle;
import dev.microshop.shipping.api.ShippingAddresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The whole back end (the saga's services, shipping and history) and the checks of the event flow. */
final class HistoryFixture {

  static final Set<String> FINAL = Set.of("REJECTED", "CANCELLED", "DELIVERED");

  static Shop start(String name, long prepareMs, long deliveryMs) throws Exception {
    Shop shop = new Shop(name, new JsonObject().put("default-credit-limit", "100.00"));
    JsonObject events = new JsonObject().put("poll-ms", 200);
    shop.deploy(ShippingVerticle::new, new JsonObject().put("events", events).put("courier", new JsonObject()
        .put("prepare-delay-ms", prepareMs).put("delivery-delay-ms", deliveryMs).put("tick-ms", 50)));
    shop.deploy(HistoryVerticle::new, new JsonObject().put("events", events));
    return shop;
  }

  /** Waits until every order is final and every reader has read everything. */
  static JsonArray quiesce(Shop shop, long timeoutMs) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (true) {
      JsonArray orders = shop.request(OrderAddresses.LIST, new JsonObject().put("limit", 1000)).getJsonArray("orders");
      boolean settled = orders.stream().allMatch(o -> FINAL.contains(((JsonObject) o).getString("status")));
      if (settled && pending(shop) == 0) {
        return orders;
      }
      assertThat(System.currentTimeMillis()).as("quiescence").isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  static long pending(Shop shop) throws Exception {
    long pending = 0;
    for (String consumer : List.of("order", "shipping", "history")) {
      for (Object p : shop.request(EventLogAddresses.lag(consumer), new JsonObject()).getJsonArray("producers")) {
        pending += ((JsonObject) p).getLong("pending");
      }
    }
    return pending;
  }

  /**
   * The history view agrees with the order and shipping services, order by order: status, total,
   * lines, the timeline's milestones, and the shipment with its tracking number.
   */
  static int assertHistoryAgrees(Shop shop, JsonArray orders) throws Exception {
    Map<String, JsonObject> history = byOrder(shop.request(HistoryAddresses.ALL, new JsonObject()).getJsonArray("orders"));
    Map<String, JsonObject> shipments = byOrder(shop.request(ShippingAddresses.LIST, new JsonObject()).getJsonArray("shipments"));
    assertThat(history.keySet()).hasSize(orders.size());
    int checks = 0;
    for (Object o : orders) {
      JsonObject order = (JsonObject) o;
      String id = order.getString("orderId");
      JsonObject full = shop.order(id, order.getString("customerId"));
      JsonObject view = history.get(id);
      assertThat(view).as("history of %s", id).isNotNull();
      assertThat(view.getString("status")).as("status of %s", id).isEqualTo(full.getString("status"));
      assertThat(view.getLong("totalCents")).isEqualTo(full.getLong("totalCents"));
      assertThat(view.getJsonArray("lines")).isEqualTo(full.getJsonArray("lines"));
      assertThat(view.getString("reason")).isEqualTo(full.getString("reason"));
      assertThat(milestones(view)).as("timeline of %s", id).isEqualTo(milestones(full));
      JsonObject shipment = shipments.get(id);
      if (shipment == null) {
        assertThat(view.getJsonObject("shipment")).isNull();
      } else {
        assertThat(view.getJsonObject("shipment").getString("status")).isEqualTo(shipment.getString("status"));
        assertThat(view.getJsonObject("shipment").getString("trackingNumber")).isEqualTo(shipment.getString("trackingNumber"));
      }
      String expectedShipment = switch (full.getString("status")) {
        case "DELIVERED" -> "DELIVERED";
        case "SHIPPED" -> "SHIPPED";
        case "REJECTED" -> null;
        default -> shipment == null ? null : shipment.getString("status");
      };
      assertThat(shipment == null ? null : shipment.getString("status")).as("shipment of %s", id).isEqualTo(expectedShipment);
      if ("CANCELLED".equals(full.getString("status")) && shipment != null) {
        assertThat(shipment.getString("status")).isEqualTo("CANCELLED");
      }
      checks += 7;
    }
    return checks;
  }

  static List<String> milestones(JsonObject order) {
    return order.getJsonArray("timeline").stream().map(e -> ((JsonObject) e).getString("event")).toList();
  }

  private static Map<String, JsonObject> byOrder(JsonArray list) {
    Map<String, JsonObject> out = new HashMap<>();
    list.forEach(o -> out.put(((JsonObject) o).getString("orderId"), (JsonObject) o));
    return out;
  }

  private HistoryFixture() {
  }
}
