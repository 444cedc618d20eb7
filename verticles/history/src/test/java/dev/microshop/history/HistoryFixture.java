package dev.microshop.history;

import dev.microshop.common.db.EmbeddedPostgresServer;
import dev.microshop.common.eventlog.EventLogAddresses;
import dev.microshop.history.api.HistoryAddresses;
import dev.microshop.order.Shop;
import dev.microshop.order.api.OrderAddresses;
import dev.microshop.shipping.ShippingVerticle;
import dev.microshop.shipping.api.ShippingAddresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

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
    int quietInARow = 0;
    while (true) {
      JsonArray orders = shop.request(OrderAddresses.LIST, new JsonObject().put("limit", 1000)).getJsonArray("orders");
      boolean settled = orders.stream().allMatch(o -> FINAL.contains(((JsonObject) o).getString("status")));
      // twice in a row, a reader's poll apart: a reader's lag is measured against the producer's head as
      // it last saw it, so one look can find no lag just before the reader learns of the last events
      // (a run found an order DELIVERED and its history still APPROVED after one quiet look)
      List<JsonObject> behind = behind(shop);
      quietInARow = settled && behind.isEmpty() ? quietInARow + 1 : 0;
      if (quietInARow == 2) {
        return orders;
      }
      if (quietInARow == 1) {
        Thread.sleep(1_100);
        continue;
      }
      assertThat(System.currentTimeMillis()).as("quiescence: %d of %d orders not final, readers behind or not answered: %s",
          orders.stream().filter(o -> !FINAL.contains(((JsonObject) o).getString("status"))).count(), orders.size(),
          behind).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  static long pending(Shop shop) throws Exception {
    return behind(shop).stream().mapToLong(p -> p.getLong("pending", 1L)).sum();
  }

  /** Every reader's entry with events still to read, or with an error (its producer could not be asked): not quiet. */
  static List<JsonObject> behind(Shop shop) throws Exception {
    List<JsonObject> behind = new ArrayList<>();
    for (String consumer : List.of("order", "shipping", "history")) {
      for (Object p : shop.request(EventLogAddresses.lag(consumer), new JsonObject()).getJsonArray("producers")) {
        JsonObject entry = (JsonObject) p;
        if (entry.getLong("pending", 1L) != 0) {
          behind.add(entry);
        }
      }
    }
    return behind;
  }

  /** The checks {@link #assertHistoryAgrees} makes on each order. */
  static final int CHECKS_PER_ORDER = 10;

  /**
   * The history view agrees with the order and shipping services, order by order: status, total,
   * lines, reason, the timeline's milestones, placed at its first milestone's time and updated at its last
   * one's (a batch of events applied at once leaves what they leave one by one), the shipment with its
   * tracking number (as the
   * shipping service has it), and a shipment status that the order's status allows (as the order
   * service has it). Returns how many checks were made: {@link #CHECKS_PER_ORDER} per order.
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
      assertThat(view.getLong("totalCents")).as("total of %s", id).isEqualTo(full.getLong("totalCents"));
      assertThat(view.getJsonArray("lines")).as("lines of %s", id).isEqualTo(full.getJsonArray("lines"));
      assertThat(view.getString("reason")).as("reason of %s", id).isEqualTo(full.getString("reason"));
      assertThat(milestones(view)).as("timeline of %s", id).isEqualTo(milestones(full));
      JsonArray timeline = view.getJsonArray("timeline");
      assertThat(view.getString("placedAt")).as("placed at of %s: its first milestone's time", id)
          .isEqualTo(timeline.getJsonObject(0).getString("at"));
      assertThat(view.getString("updatedAt")).as("updated at of %s: its last milestone's time", id)
          .isEqualTo(timeline.getJsonObject(timeline.size() - 1).getString("at"));
      JsonObject shipment = shipments.get(id);
      JsonObject viewShipment = view.getJsonObject("shipment");
      String shippingStatus = shipment == null ? null : shipment.getString("status");
      String viewShipmentStatus = viewShipment == null ? null : viewShipment.getString("status");
      assertThat(viewShipmentStatus).as("shipment of %s in the view, against the shipping service", id).isEqualTo(shippingStatus);
      assertThat(viewShipment == null ? null : viewShipment.getString("trackingNumber")).as("tracking of %s", id)
          .isEqualTo(shipment == null ? null : shipment.getString("trackingNumber"));
      assertThat(shipmentsAllowedBy(full.getString("status")))
          .as("shipment of %s in the view (%s), against the order service's status %s", id, viewShipmentStatus, full.getString("status"))
          .contains(viewShipmentStatus);
      checks += CHECKS_PER_ORDER;
    }
    return checks;
  }

  /** The shipment statuses (null: no shipment) that an order's status allows. */
  private static List<String> shipmentsAllowedBy(String orderStatus) {
    return switch (orderStatus) {
      case "DELIVERED" -> Arrays.asList("DELIVERED");
      case "SHIPPED" -> Arrays.asList("SHIPPED");
      case "APPROVED" -> Arrays.asList(null, "PREPARING"); // the shipping service may not have read it yet
      case "CANCELLED" -> Arrays.asList(null, "CANCELLED"); // cancelled before or after its shipment was made
      default -> Collections.singletonList(null); // PENDING, REJECTED: never approved, never shipped
    };
  }

  /**
   * Breaks the history view in its own database, as a bug or a lost write would: every order's
   * status overwritten, every shipment gone, and {@code lostOrderId}'s row and timeline gone.
   * Its readers are past these events: only a rebuild can mend it.
   */
  static void breakView(Shop shop, String lostOrderId) throws Exception {
    int port = EmbeddedPostgresServer.acquire(shop.data.toString(), 0).port();
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/history", "postgres", "");
         Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE history_order SET status = 'BROKEN'");
      s.executeUpdate("DELETE FROM history_shipment");
      s.executeUpdate("DELETE FROM history_timeline WHERE order_id = '" + UUID.fromString(lostOrderId) + "'");
      s.executeUpdate("DELETE FROM history_order WHERE order_id = '" + UUID.fromString(lostOrderId) + "'");
    }
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
