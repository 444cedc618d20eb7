package dev.microshop.app;

import dev.microshop.common.testing.Await;
import dev.microshop.inventory.api.InventoryAddresses;
import dev.microshop.invariants.Invariants;
import dev.microshop.order.api.OrderAddresses;
import dev.microshop.order.api.Milestone;
import dev.microshop.order.api.OrderStatus;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The saga survives its orchestrator's death mid-saga: the shop as scripts/cluster.sh starts it
 * (one JVM per service), the customer JVM killed -9 so that new orders reserve their stock and then
 * wait on the credit step, then the order JVM killed -9 with those orders in its database halfway.
 * Started again, the order service resumes them from its database; every order completes once,
 * with its stock and credit reserved once.
 */
class ClusterSagaCrashIT {

  private static final String SKU = "MUG-CLASSIC";
  private static final int CUSTOMERS = 2;
  private static final int ORDERS_EACH = 3;

  @Test
  @DisplayName("kill -9 the order JVM while its orders wait on the credit step: started again, it resumes them; each completes once and every invariant holds")
  void orderJvmKilledMidSaga() throws Exception {
    try (ScriptedCluster cluster = ScriptedCluster.start("saga-crash", Map.of(
        "MICROSHOP_SHIPPING_COURIER_PREPARE_DELAY_MS", "300",
        "MICROSHOP_SHIPPING_COURIER_DELIVERY_DELAY_MS", "300",
        "MICROSHOP_CUSTOMER_DEFAULT_CREDIT_LIMIT", "5000.00"))) {
      Vertx member = cluster.member();
      String base = "http://127.0.0.1:" + cluster.webPort;
      List<String> tokens = new ArrayList<>();
      for (int i = 0; i < CUSTOMERS; i++) {
        tokens.add(signUp(base, "saga" + i + "-" + UUID.randomUUID() + "@example.com"));
      }
      int reservedBefore = reserved(member);

      // the customer service dies: the sagas of new orders reserve stock, then retry the credit step
      cluster.kill("customer-1");
      Map<String, String> accepted = new HashMap<>(); // idempotency key → order id
      for (int i = 0; i < CUSTOMERS * ORDERS_EACH; i++) {
        String key = "saga-" + i;
        HttpResponse<String> res = post(base + "/api/orders", tokens.get(i % CUSTOMERS), key,
            new JsonObject().put("lines", new JsonArray().add(new JsonObject().put("sku", SKU).put("quantity", 1))));
        assertThat(res.statusCode()).as(res.body()).isEqualTo(202);
        accepted.put(key, new JsonObject(res.body()).getString("orderId"));
      }
      assertThat(Set.copyOf(accepted.values())).hasSize(accepted.size());
      Pool orderDb = cluster.superuser("order");
      awaitReserved(member, reservedBefore + accepted.size(), 60_000);

      // ...when the order service dies; its PostgreSQL lives on and shows where each saga stands: at its
      // stock step still (the stock reserved is stored with the credit step's outcome, not alone)
      cluster.kill("order-1");
      assertThat(steps(orderDb, accepted.values())).as("saga steps when the order JVM died")
          .hasSize(accepted.size()).allSatisfy((id, step) -> assertThat(step).isEqualTo("PENDING/RESERVE_STOCK"));
      Await.await(orderDb.close());

      cluster.restart("customer-1");
      cluster.restart("order-1");
      JsonArray orders = awaitAllFinal(member, accepted.size(), 180_000);

      // nothing lost, nothing doubled: the orders are exactly the accepted ones, each through the saga once
      List<String> ids = orders.stream().map(o -> ((JsonObject) o).getString("orderId")).toList();
      assertThat(ids).containsExactlyInAnyOrderElementsOf(accepted.values());
      for (String id : ids) {
        JsonObject order = Await.request(member, OrderAddresses.GET, new JsonObject().put("orderId", id));
        assertThat(order.getString("status")).as("order %s", id).isEqualTo(OrderStatus.DELIVERED.name());
        assertThat(order.getJsonArray("timeline").stream().map(e -> ((JsonObject) e).getString("event")).toList())
            .as("timeline of order %s", id)
            .containsExactly(Stream.of(Milestone.PLACED, Milestone.STOCK_RESERVED, Milestone.CREDIT_RESERVED,
                Milestone.APPROVED, Milestone.SHIPPED, Milestone.DELIVERED).map(Milestone::name).toArray(String[]::new));
      }
      int checks = Invariants.assertHold(member);
      System.out.printf("saga crash: %d orders resumed and delivered, %d invariant checks passed%n", ids.size(), checks);
    }
  }

  /** Waits until the inventory holds {@code expected} of the product reserved. */
  private static void awaitReserved(Vertx member, int expected, long timeoutMs) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMs;
    int now;
    while ((now = reserved(member)) != expected) {
      assertThat(System.currentTimeMillis()).as("stock of %s reserved: %d of %d", SKU, now, expected).isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  /** order id → "status/saga_step", read from the order database. */
  private static Map<String, String> steps(Pool db, java.util.Collection<String> ids) throws Exception {
    Map<String, String> out = new HashMap<>();
    UUID[] uuids = ids.stream().map(UUID::fromString).toArray(UUID[]::new);
    for (Row r : Await.await(db.preparedQuery("SELECT id, status, saga_step FROM orders WHERE id = ANY($1)")
        .execute(Tuple.of(uuids)))) {
      out.put(r.getUUID("id").toString(), r.getString("status") + "/" + r.getString("saga_step"));
    }
    return out;
  }

  /** Polls the order service (through its restart) until it lists {@code expected} orders, none of them in progress. */
  private static JsonArray awaitAllFinal(Vertx member, int expected, long timeoutMs) throws Exception {
    Set<String> done = Set.of(OrderStatus.DELIVERED.name(), OrderStatus.REJECTED.name(), OrderStatus.CANCELLED.name());
    long deadline = System.currentTimeMillis() + timeoutMs;
    String last = "no answer";
    while (System.currentTimeMillis() < deadline) {
      try {
        JsonArray orders = Await.request(member, OrderAddresses.LIST, new JsonObject().put("limit", 1000)).getJsonArray("orders");
        if (orders.size() >= expected && orders.stream().allMatch(o -> done.contains(((JsonObject) o).getString("status")))) {
          return orders;
        }
        last = orders.stream().map(o -> ((JsonObject) o).getString("status")).toList().toString();
      } catch (ReplyException e) {
        last = e.getMessage(); // the order service is not back yet
      }
      Thread.sleep(500);
    }
    throw new AssertionError("the resumed sagas did not all complete in " + timeoutMs + " ms; last seen: " + last);
  }

  private static int reserved(Vertx member) throws Exception {
    return Await.request(member, InventoryAddresses.STOCK_REPORT, new JsonObject()).getJsonArray("products").stream()
        .map(JsonObject.class::cast).filter(p -> p.getString("sku").equals(SKU)).findFirst().orElseThrow()
        .getInteger("reserved");
  }

  private static String signUp(String base, String email) throws Exception {
    JsonObject credentials = new JsonObject().put("email", email).put("password", "a long password");
    assertThat(post(base + "/api/customers", null, null, credentials.copy().put("name", "Saga")).statusCode()).isEqualTo(201);
    HttpResponse<String> login = post(base + "/api/login", null, null, credentials);
    assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
    return new JsonObject(login.body()).getString("token");
  }

  private static HttpResponse<String> post(String url, String token, String key, JsonObject body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode()));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (key != null) {
      b.header("Idempotency-Key", key);
    }
    return ShopProcess.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
