package dev.microshop.order;

import dev.microshop.common.db.EmbeddedPostgresServer;
import dev.microshop.common.testing.Await;
import dev.microshop.invariants.Invariants;
import dev.microshop.order.api.Milestone;
import dev.microshop.order.api.OrderAddresses;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Collectors;

import static dev.microshop.order.Shop.line;
import static dev.microshop.order.Shop.placeBody;
import static org.assertj.core.api.Assertions.assertThat;

/** 50 customers place 500 orders at once against scarce stock and tight credit. */
class OrderConcurrencyTest {

  private static Shop shop;

  @BeforeAll
  static void start() throws Exception {
    shop = new Shop("concurrency", new JsonObject().put("default-credit-limit", "60.00"));
  }

  @AfterAll
  static void stop() throws Exception {
    shop.close();
    EmbeddedPostgresServer.stopAll();
  }

  @Test
  @DisplayName("500 concurrent orders: each ends APPROVED or REJECTED and every invariant holds exactly")
  void fiveHundredOrders() throws Exception {
    int customersBefore = shop.customerCount();
    int productsBefore = shop.productCount();
    List<String> skus = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      skus.add(shop.product((3 + i) + ".25", 25)); // 200 units in all, far fewer than asked for
    }
    List<String> customers = new ArrayList<>();
    List<Future<JsonObject>> registrations = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      registrations.add(shop.vertx.eventBus().<JsonObject>request("customer.register", new JsonObject()
          .put("name", "C" + i).put("email", "load" + i + "-" + UUID.randomUUID() + "@example.com")
          .put("password", "a long password")).map(m -> m.body()));
    }
    Await.await(Future.all(registrations));
    registrations.forEach(f -> customers.add(f.result().getString("id")));

    Random random = new Random(42);
    List<Future<JsonObject>> placed = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < 500; i++) {
      String customer = customers.get(i % customers.size());
      int lines = 1 + random.nextInt(3);
      List<JsonObject> body = new ArrayList<>();
      for (String sku : pick(skus, lines, random)) {
        body.add(line(sku, 1 + random.nextInt(3)));
      }
      placed.add(shop.vertx.eventBus().<JsonObject>request(OrderAddresses.PLACE,
          placeBody(customer, "k-" + i, body.toArray(JsonObject[]::new))).map(m -> m.body()));
    }
    Await.await(Future.all(placed));
    long acceptedMs = (System.nanoTime() - start) / 1_000_000;

    long deadline = System.currentTimeMillis() + 120_000;
    JsonArray orders;
    while (true) {
      orders = shop.request(OrderAddresses.LIST, new JsonObject().put("limit", 1000)).getJsonArray("orders");
      boolean busy = orders.stream().anyMatch(o -> ((JsonObject) o).getBoolean("inProgress", false));
      if (!busy || System.currentTimeMillis() > deadline) {
        break;
      }
      Thread.sleep(100);
    }
    long settledMs = (System.nanoTime() - start) / 1_000_000;
    Map<String, Long> byStatus = orders.stream().map(o -> ((JsonObject) o).getString("status"))
        .collect(Collectors.groupingBy(s -> s, Collectors.counting()));
    // pages of 64: the invariants must read all 8 pages, the last one short
    Invariants.Checked checked = shop.assertInvariants(64);
    System.out.printf("500 orders: accepted in %d ms, all settled after %d ms, %s, invariants hold over %s%n",
        acceptedMs, settledMs, byStatus, checked);

    assertThat(checked).isEqualTo(new Invariants.Checked(500, customersBefore + 50, productsBefore + 8));

    assertThat(orders).hasSize(500);
    assertThat(byStatus.keySet()).containsOnly("APPROVED", "REJECTED");
    assertThat(byStatus.get("APPROVED")).isPositive();
    assertThat(byStatus.get("REJECTED")).isPositive();
    // credit was the limit for some, stock for others
    assertThat(orders.stream().map(o -> ((JsonObject) o).getString("reason", "")))
        .anyMatch(r -> r.contains("insufficient credit")).anyMatch(r -> r.contains("not enough stock"));
    // under this load the saga's steps went in batches: one transaction of each database wrote
    // the outcomes of several orders (the order's moves; the stock and the credit reservations)
    int moved = mostOrdersInOneTransaction("order", "type <> '" + Milestone.PLACED.eventType() + "'");
    int stock = mostOrdersInOneTransaction("inventory", "type LIKE 'stock.%'");
    int credit = mostOrdersInOneTransaction("customer", "type LIKE 'credit.%'");
    System.out.printf("most orders in one transaction: moved %d, stock reserved %d, credit reserved %d%n", moved, stock, credit);
    assertThat(moved).isGreaterThan(1);
    assertThat(stock).isGreaterThan(1);
    assertThat(credit).isGreaterThan(1);
  }

  /** The most orders whose events one transaction of the database's event log wrote, of the events {@code where}. */
  private static int mostOrdersInOneTransaction(String database, String where) throws Exception {
    int port = EmbeddedPostgresServer.acquire(shop.data.toString(), 0).port();
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/" + database, "postgres", "");
         Statement s = c.createStatement();
         ResultSet r = s.executeQuery("SELECT max(n) FROM (SELECT count(DISTINCT aggregate_id) AS n FROM event_log"
             + " WHERE " + where + " GROUP BY tx) t")) {
      r.next();
      return r.getInt(1);
    }
  }

  private static List<String> pick(List<String> skus, int n, Random random) {
    List<String> copy = new ArrayList<>(skus);
    java.util.Collections.shuffle(copy, random);
    return copy.subList(0, n);
  }
}
