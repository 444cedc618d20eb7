package dev.microshop.order;

import dev.microshop.common.testing.Await;
import dev.microshop.customer.api.CustomerAddresses;
import dev.microshop.inventory.api.InventoryAddresses;
import dev.microshop.order.api.OrderAddresses;
import dev.microshop.order.api.OrderStatus;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The invariants of design.md that hold whenever the shop is quiet: every order settled; per
 * customer, reserved credit = the totals of its approved-and-not-cancelled orders, within the
 * limit; per product, on hand ≥ 0, reserved ≤ on hand, reserved = the quantities of approved,
 * unshipped orders. Used by the service tests and the cluster crash test.
 */
public final class Invariants {

  private static final Set<String> HOLDS_CREDIT = Set.of(OrderStatus.APPROVED, OrderStatus.SHIPPED, OrderStatus.DELIVERED);

  private Invariants() {
  }

  /**
   * Checks the invariants of the design on orders, credit and stock, through each service's own
   * queries over {@code vertx}'s event bus (a local one, or a cluster member); returns how many
   * checks were made. Call it when the shop is quiet.
   */
  public static int assertHold(Vertx vertx) throws Exception {
    JsonArray all = Await.request(vertx, OrderAddresses.LIST, new JsonObject().put("limit", 1000)).getJsonArray("orders");
    Map<String, Long> approvedTotalByCustomer = new HashMap<>();
    Map<String, Long> approvedQuantityBySku = new HashMap<>();
    int checks = 0;
    for (Object o : all) {
      JsonObject order = (JsonObject) o;
      assertThat(OrderStatus.SETTLED).as("order %s settled", order.getString("orderId")).contains(order.getString("status"));
      assertThat(order.getBoolean("inProgress", false)).isFalse();
      checks++;
      String status = order.getString("status");
      if (HOLDS_CREDIT.contains(status)) { // approved and not cancelled: its credit stays reserved, shipped or not
        approvedTotalByCustomer.merge(order.getString("customerId"), order.getLong("totalCents"), Long::sum);
      }
      if (status.equals(OrderStatus.APPROVED)) { // approved, unshipped: its stock is reserved
        for (Object l : order.getJsonArray("lines")) {
          JsonObject line = (JsonObject) l;
          approvedQuantityBySku.merge(line.getString("sku"), line.getLong("quantity"), Long::sum);
        }
      }
    }
    for (Object c : Await.request(vertx, CustomerAddresses.CREDIT_REPORT, new JsonObject()).getJsonArray("customers")) {
      JsonObject customer = (JsonObject) c;
      long reserved = customer.getLong("reservedCents");
      assertThat(reserved).as("reserved credit of %s", customer.getString("customerId"))
          .isEqualTo(approvedTotalByCustomer.getOrDefault(customer.getString("customerId"), 0L))
          .isLessThanOrEqualTo(customer.getLong("creditLimitCents"));
      checks += 2;
    }
    for (Object p : Await.request(vertx, InventoryAddresses.STOCK_REPORT, new JsonObject()).getJsonArray("products")) {
      JsonObject product = (JsonObject) p;
      String sku = product.getString("sku");
      assertThat(product.getInteger("onHand")).as("on hand of %s", sku).isGreaterThanOrEqualTo(0);
      assertThat(product.getInteger("reserved")).as("reserved of %s", sku).isLessThanOrEqualTo(product.getInteger("onHand"))
          .isEqualTo(approvedQuantityBySku.getOrDefault(sku, 0L).intValue());
      assertThat(product.getLong("reservedByOrders")).isEqualTo(product.getInteger("reserved").longValue());
      checks += 4;
    }
    return checks;
  }
}
