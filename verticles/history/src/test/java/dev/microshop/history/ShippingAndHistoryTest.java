package dev.microshop.history;

import dev.microshop.history.api.HistoryAddresses;
import dev.microshop.order.Shop;
import dev.microshop.order.api.OrderAddresses;
import dev.microshop.shipping.api.ShippingAddresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import static dev.microshop.order.Shop.line;
import static org.assertj.core.api.Assertions.assertThat;

/** Events end to end: an approved order ships and is delivered; the history view follows; a rebuild mends a broken view. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ShippingAndHistoryTest {

  @RegisterExtension
  static final BackEnd backEnd = new BackEnd("history", 1200, 300);

  @Test
  @Order(1)
  @DisplayName("an approved order ships (stock leaves the warehouse) and is delivered; its history shows the whole timeline and the tracking")
  void shipsAndDelivers() throws Exception {
    Placed order = placeNew(3);
    JsonObject delivered = awaitStatus(order.id(), order.customer(), "DELIVERED");
    assertThat(HistoryFixture.milestones(delivered))
        .containsExactly("PLACED", "STOCK_RESERVED", "CREDIT_RESERVED", "APPROVED", "SHIPPED", "DELIVERED");
    assertThat(shop().product(order.sku()).getInteger("onHand")).isEqualTo(7);
    assertThat(shop().product(order.sku()).getInteger("reserved")).isZero();
    assertThat(shop().customerView(order.customer()).getLong("reservedCreditCents")).isEqualTo(1200); // charged: stays held

    JsonObject view = awaitHistory(order.customer(), order.id(), "DELIVERED");
    assertThat(HistoryFixture.milestones(view))
        .containsExactly("PLACED", "STOCK_RESERVED", "CREDIT_RESERVED", "APPROVED", "SHIPPED", "DELIVERED");
    assertThat(view.getString("total")).isEqualTo("12.00");
    assertThat(view.getJsonObject("shipment").getString("status")).isEqualTo("DELIVERED");
    assertThat(view.getJsonObject("shipment").getString("trackingNumber")).matches("MS\\d{10}");
    assertThat(shop().failure(OrderAddresses.CANCEL, order.key()))
        .isEqualTo(409);
  }

  @Test
  @Order(2)
  @DisplayName("cancelled before it ships: the shipment is cancelled, nothing leaves the warehouse")
  void cancelledBeforeShipping() throws Exception {
    Placed order = placeNew(2);
    assertThat(shop().settled(order.id(), order.customer()).getString("status")).isEqualTo("APPROVED");
    JsonObject cancelled = shop().request(OrderAddresses.CANCEL, order.key());
    assertThat(cancelled.getString("status")).isEqualTo("CANCELLED");
    long deadline = System.currentTimeMillis() + 10_000;
    JsonObject shipment;
    do {
      Thread.sleep(100);
      shipment = shop().request(ShippingAddresses.GET, new JsonObject().put("orderId", order.id()));
    } while (!shipment.getString("status").equals("CANCELLED") && System.currentTimeMillis() < deadline);
    assertThat(shipment.getString("status")).isEqualTo("CANCELLED");
    Thread.sleep(1500); // past the courier's preparation delay: it must not ship
    assertThat(shop().product(order.sku()).getInteger("onHand")).isEqualTo(10);
    assertThat(shop().product(order.sku()).getInteger("reserved")).isZero();
    assertThat(awaitHistory(order.customer(), order.id(), "CANCELLED").getJsonObject("shipment").getString("status")).isEqualTo("CANCELLED");
  }

  @Test
  @Order(3)
  @DisplayName("the history agrees with the order and shipping services; a view broken in its database is rebuilt from position zero, identical to what it was")
  void rebuildIsIdentical() throws Exception {
    String customer = shop().customer();
    String id = shop().place(customer, line(shop().product("2.00", 5), 1)); // an order of its own: the test needs no other
    JsonArray orders = HistoryFixture.quiesce(shop(), 30_000);
    assertThat(orders).extracting(o -> ((JsonObject) o).getString("orderId")).contains(id);
    assertThat(HistoryFixture.assertHistoryAgrees(shop(), orders)).isEqualTo(HistoryFixture.CHECKS_PER_ORDER * orders.size());
    JsonObject before = shop().request(HistoryAddresses.ALL, new JsonObject());
    assertThat(before.getJsonArray("orders")).hasSize(orders.size());

    HistoryFixture.breakView(shop(), id);
    JsonArray broken = shop().request(HistoryAddresses.ALL, new JsonObject()).getJsonArray("orders");
    assertThat(broken).as("the broken view").hasSize(orders.size() - 1)
        .allMatch(o -> ((JsonObject) o).getString("status").equals("BROKEN") && ((JsonObject) o).getJsonObject("shipment") == null);

    assertThat(shop().request(HistoryAddresses.REBUILD, new JsonObject()).getBoolean("rebuilding")).isTrue();
    long deadline = System.currentTimeMillis() + 20_000;
    JsonObject after;
    do {
      Thread.sleep(100);
      after = shop().request(HistoryAddresses.ALL, new JsonObject());
    } while (!after.equals(before) && System.currentTimeMillis() < deadline);
    assertThat(after).as("the view, rebuilt").isEqualTo(before);
    assertThat(HistoryFixture.pending(shop())).isZero();
    assertThat(HistoryFixture.assertHistoryAgrees(shop(), orders)).isEqualTo(HistoryFixture.CHECKS_PER_ORDER * orders.size());
  }

  private static JsonObject awaitStatus(String id, String customer, String status) throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    while (true) {
      JsonObject o = shop().order(id, customer);
      if (o.getString("status").equals(status)) {
        return o;
      }
      assertThat(System.currentTimeMillis()).as("order reaches " + status + ": " + o).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private static JsonObject awaitHistory(String customer, String id, String status) throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    while (true) {
      for (Object o : shop().request(HistoryAddresses.ORDERS_OF_CUSTOMER, new JsonObject().put("customerId", customer)).getJsonArray("orders")) {
        JsonObject view = (JsonObject) o;
        if (view.getString("orderId").equals(id) && view.getString("status").equals(status)
            && (view.getJsonObject("shipment") == null || !view.getJsonObject("shipment").getString("status").equals("PREPARING"))) {
          return view;
        }
      }
      assertThat(System.currentTimeMillis()).as("history shows " + status).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private static Shop shop() {
    return backEnd.shop();
  }

  /** An order of {@code quantity} of a new product (4.00, 10 in stock) by a new customer. */
  private record Placed(String sku, String customer, String id) {
    /** The order as its owner names it (to get or cancel it). */
    JsonObject key() {
      return new JsonObject().put("orderId", id).put("customerId", customer);
    }
  }

  private static Placed placeNew(int quantity) throws Exception {
    String sku = shop().product("4.00", 10);
    String customer = shop().customer();
    return new Placed(sku, customer, shop().place(customer, line(sku, quantity)));
  }
}
