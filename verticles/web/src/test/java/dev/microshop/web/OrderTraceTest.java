package dev.microshop.web;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static dev.microshop.web.WebRequests.line;
import static dev.microshop.web.WebRequests.order;
import static dev.microshop.web.WebRequests.send;
import static dev.microshop.web.WebRequests.with;
import static dev.microshop.web.WebRequests.admin;
import static dev.microshop.web.WebRequests.get;
import static dev.microshop.common.testing.Await.await;
import static dev.microshop.web.WebRequests.newCustomer;
import static dev.microshop.web.WebVerticleTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An order's trace, on the whole shop in one JVM: from the HTTP request through the saga's steps
 * to each participant's SQL, and on through the event logs to the shipment, the courier and the
 * history view.
 */
class OrderTraceTest {

  private static final String SECRET = "trace-test-secret-of-at-least-32-bytes";
  @RegisterExtension
  static final DeployedWeb web = DeployedWeb.withWholeShop("trace", SECRET, 300);

  @Test
  @DisplayName("GET /api/admin/orders/{id}/trace: one trace from POST /api/orders through the saga's steps to the inventory's and the customer's spans, and through the event logs to the shipment, the courier and the history, each span's parent in it")
  void oneTraceAcrossTheServices() throws Exception {
    String customer = newCustomer(web);
    HttpResponse<Buffer> placed = send(with(web.client().post(web.port(), "127.0.0.1", "/api/orders"), customer, "trace-1"),
        order(line("MUG-CLASSIC", 1)).toBuffer());
    assertThat(placed.statusCode()).isEqualTo(202);
    String orderId = placed.bodyAsJsonObject().getString("orderId");
    long deadline = System.currentTimeMillis() + 20_000;
    while (!"DELIVERED".equals(get(web, "/api/orders/" + orderId, customer).bodyAsJsonObject().getString("status"))
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    String admin = admin(web);
    assertError(get(web, "/api/admin/orders/" + orderId + "/trace", customer), 403, "forbidden");

    // the history applies the delivery last (it polls its producers' logs): until its span is in
    JsonObject trace;
    do {
      HttpResponse<Buffer> res = get(web, "/api/admin/orders/" + orderId + "/trace", admin);
      assertThat(res.statusCode()).isEqualTo(200);
      trace = res.bodyAsJsonObject();
      Thread.sleep(100);
    } while (!(named(trace).contains("apply shipment.delivered @ history") && isOneTree(trace)) && System.currentTimeMillis() < deadline);
    JsonObject traced = trace;
    assertThat(traced.getJsonArray("traceIds")).hasSize(1);
    List<JsonObject> spans = traced.getJsonArray("spans").stream().map(JsonObject.class::cast).toList();
    assertThat(spans).allSatisfy(s -> assertThat(s.getString("traceId")).isEqualTo(traced.getJsonArray("traceIds").getString(0)));
    assertThat(spans).extracting(s -> s.getString("name"))
        .contains("POST /api/orders", "send order.place", "saga reserve-stock", "saga reserve-credit",
            "send inventory.reserve", "send customer.reserve-credit");
    assertThat(spans.stream().filter(s -> s.getString("name").startsWith("saga ")))
        .allSatisfy(s -> assertThat(s.getString("orderId")).isEqualTo(orderId));
    // the participants' own work: their server spans and their SQL, by service
    assertThat(services(traced)).contains("web", "order", "inventory", "customer", "shipping", "history");
    // after the approval, through the event logs: the shipment, the courier's steps (the inventory
    // shipping the stock in it), the order's SHIPPED and DELIVERED, the history view
    assertThat(named(traced)).contains("apply order.approved @ shipping", "courier ship @ shipping",
        "courier deliver @ shipping", "apply shipment.shipped @ order", "apply shipment.delivered @ order",
        "apply order.approved @ history", "apply shipment.delivered @ history");
    // what only costs: the readers' wake-ups, and events a reader passes over
    assertThat(named(traced)).noneMatch(n -> n.startsWith("publish "))
        .doesNotContain("apply order.placed @ shipping", "apply order.stock-reserved @ shipping", "apply shipment.created @ order");
    String courierShip = spans.stream().filter(s -> s.getString("name").equals("courier ship")).findFirst().orElseThrow()
        .getString("spanId");
    assertThat(spans).as("the inventory's part of the courier's step").anySatisfy(s -> {
      assertThat(s.getString("name")).isEqualTo("send inventory.ship");
      assertThat(s.getString("parentId")).isEqualTo(courierShip);
    });
    assertThat(spans).anySatisfy(s -> {
      assertThat(s.getString("service")).isEqualTo("inventory");
      assertThat(s.getString("name")).startsWith("SQL ");
    });
    // one tree: a single root (the HTTP request), every other span's parent among them
    assertOneTree(spans);
    assertThat(spans).allSatisfy(s -> {
      assertThat(s.getString("node")).isNotBlank();
      assertThat(s.getLong("durationMicros")).isNotNegative();
    });

    assertError(get(web, "/api/admin/orders/" + UUID.randomUUID() + "/trace", admin), 404, "not_found");
  }

  @Test
  @DisplayName("under load the participants take the saga's steps of many orders in one batch, and each order's trace still holds the inventory's and the customer's work for it, one tree")
  void batchedOrdersKeepTheirTraces() throws Exception {
    List<String> customers = new java.util.ArrayList<>();
    for (int i = 0; i < 8; i++) {
      customers.add(newCustomer(web));
    }
    List<io.vertx.core.Future<HttpResponse<Buffer>>> sent = new java.util.ArrayList<>();
    for (int i = 0; i < 48; i++) { // at once: more than the two requests in flight to each participant
      sent.add(with(web.client().post(web.port(), "127.0.0.1", "/api/orders"), customers.get(i % 8), "batched-" + i)
          .putHeader("Content-Type", "application/json").sendBuffer(order(line("STICKERS-10", 1)).toBuffer()));
    }
    await(io.vertx.core.Future.all(sent));
    List<String> orderIds = new java.util.ArrayList<>();
    for (io.vertx.core.Future<HttpResponse<Buffer>> placed : sent) {
      assertThat(placed.result().statusCode()).isEqualTo(202);
      orderIds.add(placed.result().bodyAsJsonObject().getString("orderId"));
    }
    long deadline = System.currentTimeMillis() + 30_000;
    for (int i = 0; i < orderIds.size(); i++) { // approved (and on: the courier is quick): the credit step, its last, has ended
      String status;
      while ((status = get(web, "/api/orders/" + orderIds.get(i), customers.get(i % 8)).bodyAsJsonObject().getString("status"))
          .equals("PENDING") && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      assertThat(status).as("order %s", orderIds.get(i)).isIn("APPROVED", "SHIPPED", "DELIVERED");
    }
    String admin = admin(web);
    // each trace is gathered for a second (the JVMs' answers to two questions): all at once, a connection each
    io.vertx.ext.web.client.WebClient client = io.vertx.ext.web.client.WebClient.create(web.vertx(),
        new io.vertx.ext.web.client.WebClientOptions(), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(orderIds.size()));
    List<io.vertx.core.Future<HttpResponse<Buffer>>> asked = orderIds.stream()
        .map(id -> with(client.get(web.port(), "127.0.0.1", "/api/admin/orders/" + id + "/trace"), admin, null).send()).toList();
    await(io.vertx.core.Future.all(asked));
    client.close();
    Set<String> batched = new java.util.HashSet<>();
    for (int i = 0; i < orderIds.size(); i++) {
      JsonObject traced = asked.get(i).result().bodyAsJsonObject();
      // the courier moves the order on meanwhile: a span whose parent is still open waits for it
      while (!(isOneTree(traced) && services(traced).containsAll(List.of("inventory", "customer")))
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
        traced = get(web, "/api/admin/orders/" + orderIds.get(i) + "/trace", admin).bodyAsJsonObject();
      }
      assertThat(services(traced)).as("order %s: %s", orderIds.get(i), named(traced)).contains("inventory", "customer");
      assertThat(traced.getJsonArray("traceIds")).hasSize(1);
      List<JsonObject> spans = traced.getJsonArray("spans").stream().map(JsonObject.class::cast).toList();
      assertOneTree(spans);
      named(traced).stream().filter(n -> n.startsWith("batch ")).forEach(batched::add);
    }
    // the batches formed (else this test shows nothing): each participant's work for a batched order is a span of its own
    assertThat(batched).as("the batches' spans in the orders' traces")
        .contains("batch customer.reserve-credit-all @ customer", "batch inventory.reserve-all @ inventory");
  }

  /** One tree: a single root (the HTTP request that placed the order), every other span's parent among the spans. */
  private static void assertOneTree(List<JsonObject> spans) {
    assertThat(spans.stream().filter(s -> s.getString("parentId") == null)).singleElement()
        .satisfies(root -> assertThat(root.getString("name")).isEqualTo("POST /api/orders"));
    assertThat(orphans(spans)).as("spans whose parent is not in the trace").isEmpty();
  }

  /** The spans whose parent is not among them (yet: a parent is gathered once it ends). */
  private static List<JsonObject> orphans(List<JsonObject> spans) {
    Set<String> ids = spans.stream().map(s -> s.getString("spanId")).collect(Collectors.toSet());
    return spans.stream().filter(s -> s.getString("parentId") != null && !ids.contains(s.getString("parentId"))).toList();
  }

  private static boolean isOneTree(JsonObject trace) {
    return orphans(trace.getJsonArray("spans").stream().map(JsonObject.class::cast).toList()).isEmpty();
  }

  private static Set<String> services(JsonObject trace) {
    return trace.getJsonArray("spans").stream().map(JsonObject.class::cast).map(s -> s.getString("service")).collect(Collectors.toSet());
  }

  /** Each span of a trace as "name @ service". */
  private static List<String> named(JsonObject trace) {
    return trace.getJsonArray("spans").stream().map(JsonObject.class::cast)
        .map(s -> s.getString("name") + " @ " + s.getString("service")).toList();
  }
}
