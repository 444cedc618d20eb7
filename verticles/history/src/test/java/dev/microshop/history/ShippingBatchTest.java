package dev.microshop.history;

import dev.microshop.common.db.EmbeddedPostgresServer;
import dev.microshop.order.Shop;
import dev.microshop.order.api.OrderAddresses;
import dev.microshop.shipping.ShippingVerticle;
import dev.microshop.shipping.api.ShippingAddresses;
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

import static dev.microshop.order.Shop.line;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipping service reads the order's approvals and cancellations in batches, and applies a
 * batch in one transaction: an order approved and cancelled within one batch gets its shipment and
 * then has it cancelled, in log order, while the other approvals of the batch ship.
 */
class ShippingBatchTest {

  private static final JsonObject SHIPPING = new JsonObject().put("events", new JsonObject().put("poll-ms", 200))
      .put("courier", new JsonObject().put("prepare-delay-ms", 300).put("delivery-delay-ms", 300).put("tick-ms", 50));

  private static Shop shop;

  @BeforeAll
  static void start() throws Exception {
    shop = new Shop("shipping-batch", new JsonObject().put("default-credit-limit", "100.00"));
  }

  @AfterAll
  static void stop() throws Exception {
    shop.close();
    EmbeddedPostgresServer.stopAll();
  }

  @Test
  @DisplayName("an approval and a cancellation of one order in one batch: its shipment is created then cancelled in that transaction, nothing leaves the warehouse; the batch's other approval ships")
  void approvedAndCancelledInOneBatch() throws Exception {
    // before shipping runs: two orders approved, then the first cancelled
    String sku = shop.product("4.00", 10);
    String first = shop.customer();
    String second = shop.customer();
    String cancelled = shop.place(first, line(sku, 2));
    assertThat(shop.settled(cancelled, first).getString("status")).isEqualTo("APPROVED");
    String shipped = shop.place(second, line(sku, 3));
    assertThat(shop.settled(shipped, second).getString("status")).isEqualTo("APPROVED");
    assertThat(shop.request(OrderAddresses.CANCEL, new JsonObject().put("orderId", cancelled).put("customerId", first))
        .getString("status")).isEqualTo("CANCELLED");

    shop.deploy(ShippingVerticle::new, SHIPPING); // its first read takes the three events at once: one batch
    long deadline = System.currentTimeMillis() + 20_000;
    while (!"DELIVERED".equals(statusIfAny(shipped))) {
      assertThat(System.currentTimeMillis()).as("the other approval's shipment delivered").isLessThan(deadline);
      Thread.sleep(50);
    }
    assertThat(status(cancelled)).isEqualTo("CANCELLED");
    assertThat(shop.product(sku).getInteger("onHand")).as("only the delivered order's 3 left").isEqualTo(7);
    assertThat(shop.product(sku).getInteger("reserved")).isZero();

    // the shipping service's own log: the cancelled order's shipment created and cancelled, and the other's
    // created, all in one transaction
    List<String> log = new ArrayList<>();
    int port = EmbeddedPostgresServer.acquire(shop.data.toString(), 0).port();
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/shipping", "postgres", "");
         Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT type, aggregate_id, tx = min(tx) OVER () AS first_tx FROM event_log"
             + " WHERE type IN ('" + ShippingAddresses.SHIPMENT_CREATED + "', '" + ShippingAddresses.SHIPMENT_CANCELLED + "')"
             + " ORDER BY tx, position")) {
      while (rs.next()) {
        log.add(rs.getString(1) + " " + (rs.getString(2).equals(cancelled) ? "cancelled" : "shipped") + " " + rs.getBoolean(3));
      }
    }
    assertThat(log).containsExactly(
        ShippingAddresses.SHIPMENT_CREATED + " cancelled true",
        ShippingAddresses.SHIPMENT_CREATED + " shipped true",
        ShippingAddresses.SHIPMENT_CANCELLED + " cancelled true");
  }

  private static String status(String orderId) throws Exception {
    return shop.request(ShippingAddresses.GET, new JsonObject().put("orderId", orderId)).getString("status");
  }

  /** Its shipment's status, null while there is none yet (404). */
  private static String statusIfAny(String orderId) throws Exception {
    try {
      return status(orderId);
    } catch (io.vertx.core.eventbus.ReplyException e) {
      if (e.failureCode() == 404) {
        return null;
      }
      throw e;
    }
  }
}
