package dev.microshop.app;

import dev.microshop.app.OrderStorm.Customer;
import dev.microshop.app.OrderStorm.End;
import dev.microshop.app.OrderStorm.Exchange;
import dev.microshop.common.testing.TestData;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The all-in-one fat jar stopped in the middle of an order storm, killed -9 or sent SIGTERM, then
 * started again on the same data: every order it accepted (202) is there exactly once, a repeat of
 * its Idempotency-Key names the same order, every saga settles, and the credit and stock the shop
 * holds add up to its orders. A SIGTERM also lets every request the shop had taken finish.
 */
class AllInOneStormIT {

  private static final String JAR = "app/target/microshop-fat.jar";
  private static final Set<String> SETTLED = Set.of("APPROVED", "REJECTED", "CANCELLED", "SHIPPED", "DELIVERED");
  /** The statuses in which an order holds its credit and its stock (reserved, or shipped). */
  private static final Set<String> HOLDING = Set.of("APPROVED", "SHIPPED", "DELIVERED");
  /** Stock per product: one scarce, so that some orders are rejected for stock. */
  private static final Map<String, Integer> STOCK = Map.of("STORM-MUG-01", 10_000, "STORM-CAP-01", 10_000, "STORM-RARE-01", 12);
  private static final int CLIENTS = 6;

  @Test
  @DisplayName("killed -9 in the middle of an order storm and started again, the shop has every order it accepted exactly once, settles them all, and its credit and stock add up")
  void killedMidStorm() throws Exception {
    try (AllInOne shop = new AllInOne("storm-kill")) {
      shop.start();
      OrderStorm storm = OrderStorm.start(shop.port, shop.setUp(), List.copyOf(STOCK.keySet()), CLIENTS);
      storm.awaitAccepted(40, Duration.ofSeconds(60));

      long killedAt = System.nanoTime();
      shop.process.kill();
      List<Exchange> sent = storm.finish(Duration.ofSeconds(40));

      assertThat(sent).as("requests written before the kill and never answered: the kill hit the storm")
          .anyMatch(e -> e.end() == End.NO_ANSWER && e.sentAt() < killedAt);
      assertThat(sent).as("every answer the shop gave").filteredOn(e -> e.end() == End.ANSWERED)
          .allMatch(Exchange::accepted);

      shop.start();
      shop.assertEveryOrderKeptOnceSettledAndBalanced(sent);
    }
  }

  @Test
  @DisplayName("a SIGTERM in the middle of an order storm lets every request the shop had taken finish with its 202, the JVM exits by itself, and after a restart every order is there once and settled")
  void sigtermMidStorm() throws Exception {
    try (AllInOne shop = new AllInOne("storm-term")) {
      shop.start();
      OrderStorm storm = OrderStorm.start(shop.port, shop.setUp(), List.copyOf(STOCK.keySet()), CLIENTS);
      storm.awaitAccepted(40, Duration.ofSeconds(60));

      long terminatedAt = System.nanoTime();
      int exitCode = shop.process.terminate(Duration.ofSeconds(45));
      List<Exchange> sent = storm.finish(Duration.ofSeconds(40));

      assertThat(sent).as("requests written before the SIGTERM and answered after it: the SIGTERM hit the storm")
          .anyMatch(e -> e.sentAt() >= 0 && e.sentAt() < terminatedAt && e.endedAt() > terminatedAt);
      assertThat(sent).as("every request written before the SIGTERM ends with its 202")
          .filteredOn(e -> e.sentAt() >= 0 && e.sentAt() < terminatedAt)
          .allMatch(Exchange::accepted);
      // a request that reached the server after the SIGTERM may find it gone (refused) or never be
      // taken (closed with no byte of answer); none is answered in part or with anything but 202
      assertThat(sent).as("every request ends with its 202, is refused at connect or never taken (never a partial answer, never a 5xx)")
          .allMatch(e -> e.accepted() || e.end() == End.REFUSED || e.neverTaken());
      assertThat(exitCode).as("the exit code of a JVM stopped by SIGTERM that ran its shutdown to the end").isEqualTo(143);

      shop.start();
      shop.assertEveryOrderKeptOnceSettledAndBalanced(sent);
    }
  }

  /** The fat jar on a data directory of its own, started again as often as the test wants. */
  private static final class AllInOne implements AutoCloseable {

    private static final String ADMIN_EMAIL = "storm-admin@microshop.test";
    private static final String ADMIN_PASSWORD = "storm-admin-password";

    final String name;
    final Path data;
    final int port;
    final Map<String, String> env;
    ShopProcess process;
    private int starts;
    private final Map<String, Customer> customers = new LinkedHashMap<>();

    AllInOne(String name) throws Exception {
      this.name = name;
      this.data = TestData.freshDataDir(name);
      this.port = ShopProcess.freePort();
      this.env = Map.of(
          "MICROSHOP_SHARED_DB_EMBEDDED_DATA_DIR", data.toString(),
          "MICROSHOP_WEB_AUTH_DEV_SECRET_FILE", data.resolveSibling("jwt").toString(),
          "MICROSHOP_WEB_HTTP_PORT", Integer.toString(port),
          "MICROSHOP_ADMIN_EMAIL", ADMIN_EMAIL,
          "MICROSHOP_ADMIN_PASSWORD", ADMIN_PASSWORD);
    }

    /** Starts the fat jar on the data directory (taking it back from an orphaned PostgreSQL) and waits until it is healthy. */
    void start() throws Exception {
      process = ShopProcess.start(name + "-" + ++starts, JAR, env);
      long t0 = System.nanoTime();
      process.awaitOk(url("/health"), Duration.ofSeconds(90));
      System.out.printf("%s: start %d healthy after %d ms%n", name, starts, (System.nanoTime() - t0) / 1_000_000);
    }

    /** The products of {@link #STOCK}, and four customers, one of them with little credit. */
    List<Customer> setUp() throws Exception {
      String admin = login(ADMIN_EMAIL, ADMIN_PASSWORD);
      for (Map.Entry<String, Integer> p : STOCK.entrySet()) {
        expect(201, send("POST", "/api/admin/products", admin, new JsonObject().put("sku", p.getKey())
            .put("name", p.getKey()).put("price", "3.50").put("stock", p.getValue())));
      }
      for (int i = 0; i < 4; i++) {
        String email = name + "-" + i + "@customers.test";
        JsonObject c = expect(201, send("POST", "/api/customers", null,
            new JsonObject().put("name", "Storm " + i).put("email", email).put("password", "storm-password-" + i)));
        customers.put(c.getString("id"), new Customer(c.getString("id"), login(email, "storm-password-" + i)));
      }
      String poor = customers.keySet().iterator().next();
      expect(200, send("PUT", "/api/admin/customers/" + poor + "/credit-limit", admin,
          new JsonObject().put("creditLimit", "20.00")));
      return List.copyOf(customers.values());
    }

    /**
     * After a restart: every key the storm wrote is placed again and names one order (the same
     * one when it had its 202); the shop holds exactly those orders, each readable by its owner,
     * all settled; each customer's reserved credit is the total of its orders holding credit, and
     * each product's available stock is its stock less the quantities of those orders.
     */
    void assertEveryOrderKeptOnceSettledAndBalanced(List<Exchange> sent) throws Exception {
      Map<String, String> orderOfKey = new HashMap<>();
      int accepted = 0;
      for (Exchange e : sent) {
        if (e.sentAt() < 0) {
          continue; // refused at connect: the shop never saw it
        }
        if (e.accepted()) {
          accepted++;
          JsonObject order = expect(200, send("GET", "/api/orders/" + e.orderId(), e.customer().token(), null));
          assertThat(order.getString("customerId")).isEqualTo(e.customer().id());
        }
        Exchange again = OrderStorm.place(port, e.customer(), e.key(), e.order());
        assertThat(again.accepted()).as("%s placed again after the restart: %s", e.key(), again).isTrue();
        if (e.accepted()) {
          assertThat(again.orderId()).as("the order of key %s, placed again", e.key()).isEqualTo(e.orderId());
        }
        orderOfKey.put(e.key(), again.orderId());
      }
      assertThat(orderOfKey.values()).as("one order per key").doesNotHaveDuplicates();
      assertThat(orderOfKey).as("orders the admin list can show at once").hasSizeLessThan(200);

      JsonArray orders = settled(orderOfKey.size(), Duration.ofSeconds(60));
      assertThat(orders.stream().map(o -> ((JsonObject) o).getString("orderId")))
          .as("the orders of the shop: exactly one per key the storm wrote")
          .containsExactlyInAnyOrderElementsOf(orderOfKey.values());

      Map<String, Long> heldCredit = new HashMap<>();
      Map<String, Integer> heldStock = new HashMap<>();
      for (Object o : orders) {
        JsonObject order = (JsonObject) o;
        if (HOLDING.contains(order.getString("status"))) {
          heldCredit.merge(order.getString("customerId"), order.getLong("totalCents"), Long::sum);
          for (Object l : order.getJsonArray("lines")) {
            heldStock.merge(((JsonObject) l).getString("sku"), ((JsonObject) l).getInteger("quantity"), Integer::sum);
          }
        }
      }
      for (Customer c : customers.values()) {
        JsonObject me = expect(200, send("GET", "/api/me", c.token(), null));
        assertThat(cents(me.getString("reservedCredit"))).as("reserved credit of %s", c.id())
            .isEqualTo(heldCredit.getOrDefault(c.id(), 0L))
            .isLessThanOrEqualTo(cents(me.getString("creditLimit")));
      }
      for (Map.Entry<String, Integer> p : STOCK.entrySet()) {
        int expected = p.getValue() - heldStock.getOrDefault(p.getKey(), 0);
        // the web's catalog follows the inventory's events: the last change shows within its bound (1 s)
        long deadline = System.currentTimeMillis() + 1_000;
        JsonObject product;
        do {
          product = expect(200, send("GET", "/api/products/" + p.getKey(), null, null));
        } while (product.getInteger("available") != expected && System.currentTimeMillis() < deadline);
        assertThat(product.getInteger("available")).as("available stock of %s", p.getKey())
            .isEqualTo(expected)
            .isGreaterThanOrEqualTo(0);
      }
      Map<String, Long> byStatus = orders.stream().map(o -> ((JsonObject) o).getString("status"))
          .collect(Collectors.groupingBy(s -> s, Collectors.counting()));
      System.out.printf("%s: %d requests written, %d accepted before the stop, %d orders after it %s%n",
          name, orderOfKey.size(), accepted, orders.size(), byStatus);
    }

    /** The admin's list of every order once it has {@code count} orders, none pending or in a saga; fails after {@code timeout}. */
    private JsonArray settled(int count, Duration timeout) throws Exception {
      String admin = login(ADMIN_EMAIL, ADMIN_PASSWORD);
      long deadline = System.nanoTime() + timeout.toNanos();
      JsonArray orders;
      List<String> unsettled;
      do {
        orders = expect(200, send("GET", "/api/admin/orders", admin, null)).getJsonArray("orders");
        unsettled = new ArrayList<>();
        for (Object o : orders) {
          JsonObject order = (JsonObject) o;
          if (!SETTLED.contains(order.getString("status")) || order.getBoolean("inProgress", false)) {
            unsettled.add(order.getString("orderId") + " " + order.getString("status"));
          }
        }
        if (orders.size() >= count && unsettled.isEmpty()) {
          return orders;
        }
        Thread.sleep(200);
      } while (System.nanoTime() < deadline);
      throw new AssertionError(orders.size() + " orders of " + count + " after " + timeout + "; not settled: " + unsettled);
    }

    private String login(String email, String password) throws Exception {
      return expect(200, send("POST", "/api/login", null, new JsonObject().put("email", email).put("password", password)))
          .getString("token");
    }

    private HttpResponse<String> send(String method, String path, String token, JsonObject body) throws Exception {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(20))
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()))
          .header("Content-Type", "application/json");
      if (token != null) {
        request.header("Authorization", "Bearer " + token);
      }
      return ShopProcess.HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonObject expect(int status, HttpResponse<String> res) {
      assertThat(res.statusCode()).as("%s %s: %s", res.request().method(), res.request().uri(), res.body()).isEqualTo(status);
      return new JsonObject(res.body());
    }

    private String url(String path) {
      return "http://127.0.0.1:" + port + path;
    }

    private static long cents(String amount) {
      return new BigDecimal(amount).movePointRight(2).longValueExact();
    }

    @Override
    public void close() throws Exception {
      try {
        if (process != null) {
          process.close();
        }
      } finally {
        ShopProcess.stopLeftPostgres(data); // a JVM killed -9 and never started again leaves its PostgreSQL
      }
    }
  }
}
