package dev.microshop.history;

import dev.microshop.common.testing.Await;
import dev.microshop.invariants.Invariants;
import dev.microshop.order.Shop;
import dev.microshop.order.api.OrderAddresses;
import dev.microshop.order.api.OrderStatus;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Collectors;

import static dev.microshop.order.Shop.line;
import static dev.microshop.order.Shop.placeBody;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * 500 concurrent orders from 50 customers, some cancelled while the courier ships others; after
 * quiescence every invariant holds and the history view agrees with the order and shipping
 * services order by order.
 */
class EventFlowConcurrencyTest {

  @RegisterExtension
  static final BackEnd backEnd = new BackEnd("flow", 800, 300);

  @Test
  @DisplayName("500 orders with shipping and cancellations: invariants hold and the history agrees order by order")
  void fiveHundredOrders() throws Exception {
    int customersBefore = shop().customerCount();
    int productsBefore = shop().productCount();
    List<String> skus = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      skus.add(shop().product((2 + i) + ".50", 40));
    }
    List<Future<JsonObject>> registrations = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      registrations.add(shop().vertx.eventBus().<JsonObject>request("customer.register", new JsonObject()
          .put("name", "C" + i).put("email", "flow" + i + "-" + UUID.randomUUID() + "@example.com")
          .put("password", "a long password")).map(m -> m.body()));
    }
    Await.await(Future.all(registrations));
    List<String> customers = registrations.stream().map(f -> f.result().getString("id")).toList();

    Random random = new Random(11);
    long start = System.nanoTime();
    List<Future<JsonObject>> placed = new ArrayList<>();
    // every fifth order, as soon as its saga is through: its owner cancels it while the courier works
    // (approved → cancelled; already shipped → 409, or 200 with the cancel refused; not cancellable →
    // 422; never a 5xx or a timeout). Each is watched on its own from its placement's answer: a
    // watch in placement order, once every placement was answered, came to the early approvals
    // seconds late, after the courier had taken them all (a CI run saw 21 of 21 cancels lose).
    List<Future<String>> cancels = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      String sku = skus.get(random.nextInt(skus.size()));
      String customer = customers.get(i % 50);
      Future<JsonObject> placement = shop().vertx.eventBus().<JsonObject>request(OrderAddresses.PLACE,
          placeBody(customer, "f-" + i, line(sku, 1 + random.nextInt(3)))).map(m -> m.body());
      placed.add(placement);
      if (i % 5 == 0) {
        cancels.add(placement.compose(p -> cancelOnceSettled(p.getString("orderId"), customer)));
      }
    }
    Await.await(Future.all(placed));
    List<String> outcomes = Await.await(Future.all(cancels)).<String>list().stream().filter(o -> o != null).toList();
    Map<String, Long> cancelAnswers = outcomes.stream().map(o -> o.replaceFirst(":.*", ""))
        .collect(Collectors.groupingBy(o -> o, java.util.TreeMap::new, Collectors.counting()));
    System.out.printf("%d cancels answered: %s%n", outcomes.size(), cancelAnswers);
    assertThat(outcomes.stream().filter(o -> !o.startsWith("200 ")
            && !o.startsWith("RECIPIENT_FAILURE 409:") && !o.startsWith("RECIPIENT_FAILURE 422:")))
        .as("a cancel answers the order, or 409/422 when it can no longer be cancelled; never a 5xx or a timeout")
        .isEmpty();
    assertThat(outcomes).as("some cancels succeed").anyMatch(o -> o.equals("200 CANCELLED"));

    JsonArray orders = HistoryFixture.quiesce(shop(), 120_000);
    long quietMs = (System.nanoTime() - start) / 1_000_000;
    Map<String, Long> byStatus = orders.stream().map(o -> ((JsonObject) o).getString("status"))
        .collect(Collectors.groupingBy(s -> s, Collectors.counting()));
    Invariants.Checked invariants = shop().assertInvariants(64); // 8 pages of orders, the last one short
    int agreement = HistoryFixture.assertHistoryAgrees(shop(), orders);
    System.out.printf("500 orders with shipping: quiet after %d ms, %s, invariants hold over %s, %d history checks passed%n",
        quietMs, byStatus, invariants, agreement);
    assertThat(orders).hasSize(500);
    assertThat(invariants).isEqualTo(new Invariants.Checked(500, customersBefore + 50, productsBefore + 8));
    assertThat(agreement).isEqualTo(HistoryFixture.CHECKS_PER_ORDER * 500);
    assertThat(byStatus.keySet()).contains("DELIVERED", "CANCELLED", "REJECTED").doesNotContain("PENDING", "APPROVED", "SHIPPED");
  }

  /**
   * Looks at the order every 100 ms until its saga is through, then cancels it at once: the outcome
   * of the cancel, or null when the order was rejected (nothing to cancel).
   */
  private static Future<String> cancelOnceSettled(String id, String customer) {
    JsonObject which = new JsonObject().put("orderId", id).put("customerId", customer);
    return shop().vertx.eventBus().<JsonObject>request(OrderAddresses.GET, which).map(m -> m.body())
        .compose(o -> {
          if (o.getBoolean("inProgress", false) || !OrderStatus.valueOf(o.getString("status")).settled()) {
            return shop().vertx.timer(100).compose(v -> cancelOnceSettled(id, customer));
          }
          if (o.getString("status").equals("REJECTED")) {
            return Future.succeededFuture(null);
          }
          return shop().vertx.eventBus().<JsonObject>request(OrderAddresses.CANCEL, which)
              .map(m -> "200 " + m.body().getString("status"))
              .recover(t -> Future.succeededFuture(t instanceof ReplyException re
                  ? re.failureType() + " " + re.failureCode() + ": " + re.getMessage() : t.toString()));
        });
  }

  private static Shop shop() {
    return backEnd.shop();
  }
}
