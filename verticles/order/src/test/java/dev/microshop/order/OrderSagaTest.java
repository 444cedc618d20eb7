package dev.microshop.order;

import dev.microshop.common.db.EmbeddedPostgresServer;
import dev.microshop.common.testing.Await;
import dev.microshop.customer.api.CustomerAddresses;
import dev.microshop.invariants.Invariants;
import dev.microshop.order.api.OrderAddresses;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static dev.microshop.order.Shop.line;
import static dev.microshop.order.Shop.placeBody;
import static org.assertj.core.api.Assertions.assertThat;

/** The order saga with the real customer and inventory services, each on its own database. */
class OrderSagaTest {

  private static Shop shop;

  @BeforeAll
  static void start() throws Exception {
    shop = new Shop("saga", new JsonObject().put("default-credit-limit", "100.00"));
  }

  @AfterEach
  void restore() throws Exception {
    shop.restore();
  }

  @AfterAll
  static void stop() throws Exception {
    shop.close();
    EmbeddedPostgresServer.stopAll();
  }

  @Test
  @DisplayName("approved: stock and credit reserved at the inventory's prices, the timeline in order")
  void approved() throws Exception {
    String a = shop.product("12.50", 10);
    String b = shop.product("0.99", 10);
    String customer = shop.customer();
    String id = shop.place(customer, line(a, 2), line(b, 3));
    JsonObject order = shop.settled(id, customer);
    assertThat(order.getString("status")).isEqualTo("APPROVED");
    assertThat(order.getLong("totalCents")).isEqualTo(2 * 1250 + 3 * 99);
    assertThat(order.getString("total")).isEqualTo("27.97");
    assertThat(order.getJsonArray("lines").getJsonObject(0).getString("price")).isEqualTo("12.50");
    assertThat(events(order)).containsExactly("PLACED", "STOCK_RESERVED", "CREDIT_RESERVED", "APPROVED");
    assertThat(shop.product(a).getInteger("reserved")).isEqualTo(2);
    assertThat(shop.product(b).getInteger("reserved")).isEqualTo(3);
    assertThat(shop.customerView(customer).getLong("reservedCreditCents")).isEqualTo(2797);
  }

  @Test
  @DisplayName("stats from an instant on (the dashboard's charts): placed, approved and rejected orders, approval time; consecutive windows meet; bad windows refused")
  void recentStats() throws Exception {
    JsonObject first = shop.request(OrderAddresses.STATS, new JsonObject().put("recent", true)).getJsonObject("recent");
    assertThat(Duration.between(Instant.parse(first.getString("since")), Instant.parse(first.getString("until"))))
        .isEqualTo(Duration.ofSeconds(5));
    String a = shop.product("1.00", 10);
    String customer = shop.customer();
    assertThat(shop.settled(shop.place(customer, line(a, 1)), customer).getString("status")).isEqualTo("APPROVED");
    assertThat(shop.settled(shop.place(customer, line(a, 11)), customer).getString("status")).isEqualTo("REJECTED");

    JsonObject stats = shop.request(OrderAddresses.STATS, new JsonObject().put("recent", true).put("since", first.getString("until")));
    JsonObject after = stats.getJsonObject("recent");
    assertThat(after.getString("since")).isEqualTo(first.getString("until"));
    assertThat(after.getLong("placed")).isEqualTo(2);
    assertThat(after.getLong("approved")).isEqualTo(1);
    assertThat(after.getLong("rejected")).isEqualTo(1);
    assertThat(after.getLong("cancelled")).isZero();
    JsonObject ms = after.getJsonObject("approvalMs");
    assertThat(ms.getDouble("p50")).isPositive().isLessThanOrEqualTo(ms.getDouble("p99")).isLessThan(60_000.0);
    assertThat(stats.getLong("total")).isPositive();
    JsonObject next = shop.request(OrderAddresses.STATS, new JsonObject().put("recent", true).put("since", after.getString("until")))
        .getJsonObject("recent");
    assertThat(next.getLong("placed")).as("nothing counted twice").isZero();
    assertThat(next.getJsonObject("approvalMs").getValue("p50")).isNull();
    assertThat(shop.request(OrderAddresses.STATS, new JsonObject()).containsKey("recent")).isFalse();
    JsonObject recentOnly = shop.request(OrderAddresses.STATS, new JsonObject().put("recent", true).put("counts", false));
    assertThat(recentOnly.fieldNames()).containsExactly("recent");

    assertThat(shop.failure(OrderAddresses.STATS, new JsonObject().put("recent", "yes"))).isEqualTo(400);
    assertThat(shop.failure(OrderAddresses.STATS, new JsonObject().put("recent", true).put("since", "yesterday"))).isEqualTo(400);
    assertThat(shop.failure(OrderAddresses.STATS, new JsonObject().put("recent", true)
        .put("since", Instant.now().minus(Duration.ofHours(2)).toString()))).isEqualTo(400);
    assertThat(shop.failure(OrderAddresses.STATS, new JsonObject().put("recentSeconds", 5))).isEqualTo(400);
    assertThat(shop.failure(OrderAddresses.STATS, new JsonObject().put("counts", "no"))).isEqualTo(400);
  }

  @Test
  @DisplayName("out of stock: REJECTED with its reason, nothing reserved")
  void outOfStock() throws Exception {
    String a = shop.product("1.00", 10);
    String scarce = shop.product("1.00", 1);
    String customer = shop.customer();
    JsonObject order = shop.settled(shop.place(customer, line(a, 1), line(scarce, 2)), customer);
    assertThat(order.getString("status")).isEqualTo("REJECTED");
    assertThat(order.getString("reason")).contains("not enough stock of " + scarce);
    assertThat(events(order)).containsExactly("PLACED", "REJECTED");
    assertThat(shop.product(a).getInteger("reserved")).isZero();
    assertThat(shop.customerView(customer).getLong("reservedCreditCents")).isZero();
  }

  @Test
  @DisplayName("insufficient credit: REJECTED with its reason, the stock released")
  void insufficientCredit() throws Exception {
    String pricey = shop.product("60.00", 10);
    String customer = shop.customer();
    JsonObject order = shop.settled(shop.place(customer, line(pricey, 2)), customer);
    assertThat(order.getString("status")).isEqualTo("REJECTED");
    assertThat(order.getString("reason")).contains("insufficient credit");
    assertThat(events(order)).containsExactly("PLACED", "STOCK_RESERVED", "CREDIT_REJECTED", "STOCK_RELEASED", "REJECTED");
    assertThat(shop.product(pricey).getInteger("reserved")).isZero();
    assertThat(shop.customerView(customer).getLong("reservedCreditCents")).isZero();
  }

  @Test
  @DisplayName("cancel by the owner: credit and stock released, CANCELLED; again it stays cancelled; others get 404")
  void cancel() throws Exception {
    String a = shop.product("5.00", 10);
    String customer = shop.customer();
    String id = shop.place(customer, line(a, 4));
    assertThat(shop.settled(id, customer).getString("status")).isEqualTo("APPROVED");
    String stranger = shop.customer();
    JsonObject byStranger = new JsonObject().put("orderId", id).put("customerId", stranger);
    assertThat(shop.failure(OrderAddresses.CANCEL, byStranger)).isEqualTo(404);
    assertThat(shop.failure(OrderAddresses.GET, byStranger)).isEqualTo(404);

    JsonObject cancelled = shop.request(OrderAddresses.CANCEL, new JsonObject().put("orderId", id).put("customerId", customer));
    assertThat(cancelled.getString("status")).isEqualTo("CANCELLED");
    assertThat(events(cancelled)).endsWith("CANCEL_REQUESTED", "STOCK_RELEASED", "CREDIT_RELEASED", "CANCELLED");
    assertThat(shop.product(a).getInteger("reserved")).isZero();
    assertThat(shop.customerView(customer).getLong("reservedCreditCents")).isZero();
    assertThat(shop.request(OrderAddresses.CANCEL, new JsonObject().put("orderId", id).put("customerId", customer))
        .getString("status")).isEqualTo("CANCELLED");

    String rejected = shop.place(customer, line(a, 100));
    shop.settled(rejected, customer);
    assertThat(shop.failure(OrderAddresses.CANCEL, new JsonObject().put("orderId", rejected).put("customerId", customer)))
        .isEqualTo(409);
    assertThat(shop.failure(OrderAddresses.GET, new JsonObject().put("orderId", "not-a-uuid").put("customerId", customer)))
        .isEqualTo(404);
  }

  @Test
  @DisplayName("idempotency key: same key and lines → the same order; other lines → 422; keys are per customer; racing repeats → one order")
  void idempotency() throws Exception {
    String a = shop.product("1.00", 50);
    String customer = shop.customer();
    JsonObject body = placeBody(customer, "key-1", line(a, 1));
    JsonObject first = shop.request(OrderAddresses.PLACE, body);
    assertThat(shop.request(OrderAddresses.PLACE, body)).isEqualTo(first);
    assertThat(shop.failure(OrderAddresses.PLACE, placeBody(customer, "key-1", line(a, 2)))).isEqualTo(422);

    String other = shop.customer();
    JsonObject theirs = shop.request(OrderAddresses.PLACE, placeBody(other, "key-1", line(a, 1)));
    assertThat(theirs.getString("orderId")).isNotEqualTo(first.getString("orderId"));

    JsonObject racing = placeBody(customer, "key-race", line(a, 1));
    List<Future<JsonObject>> copies = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      copies.add(shop.vertx.eventBus().<JsonObject>request(OrderAddresses.PLACE, racing).map(m -> m.body()));
    }
    Await.await(Future.all(copies));
    assertThat(copies.stream().map(f -> f.result().getString("orderId")).distinct()).hasSize(1);
    assertThat(ordersOf(customer)).hasSize(2);
    shop.settled(first.getString("orderId"), customer);
    shop.settled(copies.get(0).result().getString("orderId"), customer);
    assertThat(shop.product(a).getInteger("reserved")).isEqualTo(3); // key-1 twice, theirs, key-race: 3 orders of 1
  }

  @Test
  @DisplayName("bad orders are a 400 and store nothing: a price or total, quantities out of 1..100, too many lines, a repeated sku")
  void badOrders() throws Exception {
    String a = shop.product("1.00", 50);
    String customer = shop.customer();
    assertThat(shop.failure(OrderAddresses.PLACE, placeBody(customer, "k1", line(a, 1).put("priceCents", 1)))).isEqualTo(400);
    assertThat(shop.failure(OrderAddresses.PLACE, placeBody(customer, "k2", line(a, 1)).put("total", "0.01"))).isEqualTo(400);
    assertThat(shop.failure(OrderAddresses.PLACE, placeBody(customer, "k3", line(a, 1)).put("status", "APPROVED"))).isEqualTo(400);
    assertThat(shop.failure(OrderAddresses.PLACE, placeBody(customer, "k4", line(a, 0)))).isEqualTo(400);
    assertThat(shop.failure(OrderAddresses.PLACE, placeBody(customer, "k5", line(a, 101)))).isEqualTo(400);
    assertThat(shop.failure(OrderAddresses.PLACE, placeBody(customer, "k6", line(a, 1), line(a, 1)))).isEqualTo(400);
    assertThat(shop.failure(OrderAddresses.PLACE, placeBody(customer, "k7", line("lower-case", 1)))).isEqualTo(400);
    JsonObject[] many = new JsonObject[51];
    for (int i = 0; i < many.length; i++) {
      many[i] = line("SKU-" + i, 1);
    }
    assertThat(shop.failure(OrderAddresses.PLACE, placeBody(customer, "k8", many))).isEqualTo(400);
    assertThat(shop.failure(OrderAddresses.PLACE, placeBody(customer, "k9"))).isEqualTo(400);
    assertThat(shop.failure(OrderAddresses.PLACE, placeBody(customer, "", line(a, 1)))).isEqualTo(400);
    assertThat(ordersOf(customer)).isEmpty();
    assertThat(shop.product(a).getInteger("reserved")).isZero();
  }

  @Test
  @DisplayName("crash recovery: the order service dies after the stock step, before the credit step; started again, the saga completes, nothing reserved twice")
  void crashRecovery() throws Exception {
    String a = shop.product("3.00", 10);
    String customer = shop.customer();
    // the customer service hangs: the saga reserves the stock, then waits on the credit step...
    shop.undeployCustomers();
    MessageConsumer<JsonObject> hanging = shop.hang(CustomerAddresses.RESERVE_CREDIT);
    String id = shop.place(customer, line(a, 2));
    awaitReserved(a, 2);
    assertThat(events(shop.order(id, customer))).as("the stock reserved is stored with the credit's outcome, not alone")
        .containsExactly("PLACED");
    // ...when the order service dies
    shop.undeployOrders();
    Await.await(hanging.unregister());
    assertThat(shop.product(a).getInteger("reserved")).isEqualTo(2);

    shop.deployCustomers();
    shop.deployOrders();
    JsonObject order = shop.settled(id, customer);
    assertThat(order.getString("status")).isEqualTo("APPROVED");
    assertThat(events(order)).containsExactly("PLACED", "STOCK_RESERVED", "CREDIT_RESERVED", "APPROVED");
    assertThat(shop.product(a).getInteger("reserved")).isEqualTo(2);
    assertThat(shop.customerView(customer).getLong("reservedCreditCents")).isEqualTo(600);
  }

  @Test
  @DisplayName("a participant that is down holds the saga back, never loses it: it completes once the service is back")
  void participantDown() throws Exception {
    String a = shop.product("1.00", 10);
    String customer = shop.customer();
    shop.undeployCustomers();
    String id = shop.place(customer, line(a, 1));
    Thread.sleep(1500); // several failed attempts, backing off
    assertThat(shop.order(id, customer).getString("status")).isEqualTo("PENDING");
    shop.deployCustomers();
    assertThat(shop.settled(id, customer).getString("status")).isEqualTo("APPROVED");
    long orders = shop.request(OrderAddresses.STATS, new JsonObject()).getLong("total");
    assertThat(orders).isGreaterThanOrEqualTo(1); // this test's order at least
    assertThat(shop.assertInvariants(1))
        .isEqualTo(new Invariants.Checked((int) orders, shop.customerCount(), shop.productCount()));
  }

  @Test
  @DisplayName("admission: with saga.max-in-progress orders in progress, a placement is refused with 503 at once and stores nothing; once one settles, it is taken")
  void placementsRefusedWhileBusy() throws Exception {
    String a = shop.product("1.00", 10);
    String first = shop.customer();
    String second = shop.customer();
    shop.undeployOrders();
    shop.undeployCustomers();
    MessageConsumer<JsonObject> hanging = shop.hang(CustomerAddresses.RESERVE_CREDIT);
    shop.orderDeployment = Await.await(shop.vertx.deployVerticle(OrderVerticle::new, shop.options(new JsonObject()
        .put("saga", new JsonObject().put("step-timeout-ms", 4_000).put("max-in-progress", 1)))));
    String id = shop.place(first, line(a, 1));
    awaitReserved(a, 1); // its stock reserved, its credit step failing: one order in progress
    JsonObject refused = Shop.placeBody(second, "busy-1", line(a, 1));
    assertThat(shop.failure(OrderAddresses.PLACE, refused)).isEqualTo(503);
    assertThat(ordersOf(second)).isEmpty();

    Await.await(hanging.unregister());
    shop.deployCustomers();
    // the credit step times out and is sent again to the customer service now back
    assertThat(shop.settled(id, first).getString("status")).isEqualTo("APPROVED");
    String taken = shop.request(OrderAddresses.PLACE, refused).getString("orderId");
    assertThat(shop.settled(taken, second).getString("status")).isEqualTo("APPROVED");
  }

  /** Waits until the inventory holds {@code quantity} of {@code sku} reserved. */
  private static void awaitReserved(String sku, int quantity) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (shop.product(sku).getInteger("reserved") != quantity) {
      assertThat(System.currentTimeMillis()).as("waiting for %d of %s reserved", quantity, sku).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  private static List<String> events(JsonObject order) {
    return order.getJsonArray("timeline").stream().map(e -> ((JsonObject) e).getString("event")).toList();
  }

  private static JsonArray ordersOf(String customer) throws Exception {
    return shop.request(OrderAddresses.LIST, new JsonObject().put("customerId", customer)).getJsonArray("orders");
  }
}
