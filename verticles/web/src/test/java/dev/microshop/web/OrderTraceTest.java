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
    } while (!named(trace).contains("apply shipment.delivered @ history") && System.currentTimeMillis() < deadline);
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
    Set<String> services = spans.stream().map(s -> s.getString("service")).collect(Collectors.toSet());
    assertThat(services).contains("web", "order", "inventory", "customer", "shipping", "history");
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
    Set<String> ids = spans.stream().map(s -> s.getString("spanId")).collect(Collectors.toSet());
    assertThat(spans.stream().filter(s -> s.getString("parentId") == null)).singleElement()
        .satisfies(root -> assertThat(root.getString("name")).isEqualTo("POST /api/orders"));
    assertThat(spans.stream().filter(s -> s.getString("parentId") != null))
        .allSatisfy(s -> assertThat(ids).contains(s.getString("parentId")));
    assertThat(spans).allSatisfy(s -> {
      assertThat(s.getString("node")).isNotBlank();
      assertThat(s.getLong("durationMicros")).isNotNegative();
    });

    assertError(get(web, "/api/admin/orders/" + UUID.randomUUID() + "/trace", admin), 404, "not_found");
  }

  /** Each span of a trace as "name @ service". */
  private static List<String> named(JsonObject trace) {
    return trace.getJsonArray("spans").stream().map(JsonObject.class::cast)
        .map(s -> s.getString("name") + " @ " + s.getString("service")).toList();
  }
}
