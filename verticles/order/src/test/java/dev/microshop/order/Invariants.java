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

  /** What {@link #assertHold} read and checked: every order, customer and product of the shop. */
  public record Checked(int orders, int customers, int products) {

    /** Two checks per order (settled, not in progress), two per customer, four per product. */
    public int checks() {
      return 2 * orders + 2 * customers + 4 * products;
    }
  }

  /** {@link #assertHold(Vertx, int)} with pages of 1,000 orders (the largest page the order service gives). */
  public static int assertHold(Vertx vertx) throws Exception {
    return assertHold(vertx, 1000).checks();
  }

  /**
   * Checks the invariants of the design on orders, credit and stock, through each service's own
   * queries over {@code vertx}'s event bus (a local one, or a cluster member); reads the orders
   * in pages of {@code pageSize} until a short page, and checks that it read each of the order
   * service's orders exactly once. Call it when the shop is quiet.
   */
  public static Checked assertHold(Vertx vertx, int pageSize) throws Exception {
    JsonArray all = allOrders(vertx, pageSize);
    Map<String, Long> approvedTotalByCustomer = new HashMap<>();
    Map<String, Long> approvedQuantityBySku = new HashMap<>();
    for (Object o : all) {
      JsonObject order = (JsonObject) o;
      assertThat(OrderStatus.SETTLED).as("order %s settled", order.getString("orderId")).contains(order.getString("status"));
      assertThat(order.getBoolean("inProgress", false)).isFalse();
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
    JsonArray customers = Await.request(vertx, CustomerAddresses.CREDIT_REPORT, new JsonObject()).getJsonArray("customers");
    for (Object c : customers) {
      JsonObject customer = (JsonObject) c;
      long reserved = customer.getLong("reservedCents");
      assertThat(reserved).as("reserved credit of %s", customer.getString("customerId"))
          .isEqualTo(approvedTotalByCustomer.getOrDefault(customer.getString("customerId"), 0L))
          .isLessThanOrEqualTo(customer.getLong("creditLimitCents"));
    }
    JsonArray products = Await.request(vertx, InventoryAddresses.STOCK_REPORT, new JsonObject()).getJsonArray("products");
    for (Object p : products) {
      JsonObject product = (JsonObject) p;
      String sku = product.getString("sku");
      assertThat(product.getInteger("onHand")).as("on hand of %s", sku).isGreaterThanOrEqualTo(0);
      assertThat(product.getInteger("reserved")).as("reserved of %s", sku).isLessThanOrEqualTo(product.getInteger("onHand"))
          .isEqualTo(approvedQuantityBySku.getOrDefault(sku, 0L).intValue());
      assertThat(product.getLong("reservedByOrders")).isEqualTo(product.getInteger("reserved").longValue());
    }
    return new Checked(all.size(), customers.size(), products.size());
  }

  /** Every order, page after page until a short one; as many as the order service counts, each once. */
  private static JsonArray allOrders(Vertx vertx, int pageSize) throws Exception {
    JsonArray all = new JsonArray();
    for (int offset = 0; ; offset += pageSize) {
      JsonArray page = Await.request(vertx, OrderAddresses.LIST, new JsonObject().put("limit", pageSize).put("offset", offset))
          .getJsonArray("orders");
      all.addAll(page);
      if (page.size() < pageSize) {
        break;
      }
    }
    long total = Await.request(vertx, OrderAddresses.STATS, new JsonObject()).getLong("total");
    assertThat((long) all.size()).as("orders read, in pages of %d, against the order service's count", pageSize).isEqualTo(total);
    assertThat(all.stream().map(o -> ((JsonObject) o).getString("orderId")).distinct().count())
        .as("each order read once").isEqualTo(total);
    return all;
  }
}
