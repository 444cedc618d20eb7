package dev.microshop.invariants;

import dev.microshop.customer.api.CustomerAddresses;
import dev.microshop.history.api.HistoryAddresses;
import dev.microshop.inventory.api.InventoryAddresses;
import dev.microshop.order.api.OrderAddresses;
import dev.microshop.order.api.OrderStatus;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The invariants of the design that hold whenever the shop is quiet, read through each service's
 * own queries over {@code vertx}'s event bus (a local one, or a cluster member):
 * <ul>
 *   <li>every order read once (in pages, until a short one), as many as the order service counts;
 *       every accepted order (when the caller knows them) exists exactly once;</li>
 *   <li>every order settled, its saga not in progress;</li>
 *   <li>per customer: reserved credit = the totals of its orders that hold credit, within the limit;</li>
 *   <li>per product: on hand ≥ 0, reserved ≤ on hand, reserved = the quantities of the orders that
 *       hold stock = the stock reservations' own count;</li>
 *   <li>optionally, the history view says each order's status as the order service does.</li>
 * </ul>
 * The one checker of the project: the service tests, the cluster tests and {@code bench
 * check-invariants} use it. It blocks the calling thread (never an event loop).
 */
public final class Invariants {

  private static final DeliveryOptions QUERY = new DeliveryOptions().setSendTimeout(30_000);

  private Invariants() {
  }

  /** How much of the shop was read: every order, customer and product. */
  public record Checked(int orders, int customers, int products) {
  }

  /**
   * What a check found.
   *
   * @param checks     how many checks were made
   * @param violations one line per invariant that does not hold (empty when all hold)
   * @param statusOf   each order's status, by order id
   */
  public record Report(Checked checked, int checks, List<String> violations, Map<String, String> statusOf) {

    /** This report, or an {@link AssertionError} listing every violation. */
    public Report assertHeld() {
      if (!violations.isEmpty()) {
        throw new AssertionError(violations.size() + " invariant(s) violated:\n  " + String.join("\n  ", violations));
      }
      return this;
    }
  }

  /** Every invariant but the history's, orders read in pages of 1,000; fails with the violations; the number of checks. */
  public static int assertHold(Vertx vertx) throws Exception {
    return check(vertx, 1000, false, null).assertHeld().checks();
  }

  /** Every invariant but the history's, orders read in pages of {@code pageSize}; fails with the violations. */
  public static Checked assertHold(Vertx vertx, int pageSize) throws Exception {
    return check(vertx, pageSize, false, null).assertHeld().checked();
  }

  /**
   * Checks the invariants; {@code withHistory}: the history view's too; {@code accepted}: the ids of
   * the orders the caller saw accepted (null when it does not know them).
   */
  public static Report check(Vertx vertx, int pageSize, boolean withHistory, Collection<String> accepted) throws Exception {
    List<String> violations = new ArrayList<>();
    int checks = 0;
    JsonArray orders = allOrders(vertx, pageSize);
    Map<String, Integer> seen = new HashMap<>();
    Map<String, String> statusOf = new HashMap<>();
    for (Object o : orders) {
      JsonObject order = (JsonObject) o;
      seen.merge(order.getString("orderId"), 1, Integer::sum);
      statusOf.put(order.getString("orderId"), order.getString("status"));
    }
    long total = request(vertx, OrderAddresses.STATS, new JsonObject()).getLong("total");
    checks += 2;
    if (orders.size() != total) {
      violations.add(orders.size() + " orders read in pages of " + pageSize + ", the order service counts " + total);
    }
    if (seen.size() != orders.size()) {
      violations.add((orders.size() - seen.size()) + " orders read twice");
    }
    if (accepted != null) {
      for (String id : accepted) {
        checks++;
        if (seen.getOrDefault(id, 0) != 1) {
          violations.add("accepted order " + id + " exists " + seen.getOrDefault(id, 0) + " times");
        }
      }
    }

    Map<String, Long> creditHeld = new HashMap<>();
    Map<String, Long> stockHeld = new HashMap<>();
    for (Object o : orders) {
      JsonObject order = (JsonObject) o;
      OrderStatus status = OrderStatus.valueOf(order.getString("status"));
      boolean inProgress = order.getBoolean("inProgress", false);
      checks += 2;
      if (!status.settled() || inProgress) {
        violations.add("order " + order.getString("orderId") + " is " + status + (inProgress ? " (saga in progress)" : ""));
      }
      if (status.holdsCredit()) {
        creditHeld.merge(order.getString("customerId"), order.getLong("totalCents"), Long::sum);
      }
      if (status.holdsStock()) {
        for (Object l : order.getJsonArray("lines")) {
          stockHeld.merge(((JsonObject) l).getString("sku"), ((JsonObject) l).getLong("quantity"), Long::sum);
        }
      }
    }

    JsonArray customers = request(vertx, CustomerAddresses.CREDIT_REPORT, new JsonObject()).getJsonArray("customers");
    for (Object c : customers) {
      JsonObject customer = (JsonObject) c;
      String id = customer.getString("customerId");
      long reserved = customer.getLong("reservedCents");
      long byReservations = customer.getLong("reservedByReservationsCents");
      checks += 3;
      if (reserved != byReservations) {
        violations.add("customer " + id + " holds " + reserved + " cents by its account, " + byReservations + " by its reservations");
      }
      if (reserved != creditHeld.getOrDefault(id, 0L)) {
        violations.add("customer " + id + " holds " + reserved + " cents, its approved orders total " + creditHeld.getOrDefault(id, 0L));
      }
      if (reserved > customer.getLong("creditLimitCents")) {
        violations.add("customer " + id + " holds " + reserved + " cents, more than its limit " + customer.getLong("creditLimitCents"));
      }
    }

    JsonArray products = request(vertx, InventoryAddresses.STOCK_REPORT, new JsonObject()).getJsonArray("products");
    for (Object p : products) {
      JsonObject product = (JsonObject) p;
      String sku = product.getString("sku");
      int onHand = product.getInteger("onHand");
      int reserved = product.getInteger("reserved");
      checks += 4;
      if (onHand < 0) {
        violations.add(sku + ": on hand " + onHand);
      }
      if (reserved > onHand) {
        violations.add(sku + ": reserved " + reserved + " of " + onHand + " on hand");
      }
      if (reserved != stockHeld.getOrDefault(sku, 0L)) {
        violations.add(sku + ": reserved " + reserved + ", approved unshipped orders hold " + stockHeld.getOrDefault(sku, 0L));
      }
      if (product.getLong("reservedByOrders") != reserved) {
        violations.add(sku + ": reservations say " + product.getLong("reservedByOrders") + ", stock says " + reserved);
      }
    }

    if (withHistory) {
      Map<String, String> historyStatus = new HashMap<>();
      request(vertx, HistoryAddresses.ALL, new JsonObject()).getJsonArray("orders")
          .forEach(o -> historyStatus.put(((JsonObject) o).getString("orderId"), ((JsonObject) o).getString("status")));
      for (Map.Entry<String, String> order : statusOf.entrySet()) {
        checks++;
        if (!order.getValue().equals(historyStatus.get(order.getKey()))) {
          violations.add("history of " + order.getKey() + " says " + historyStatus.get(order.getKey())
              + ", the order service " + order.getValue());
        }
      }
    }
    return new Report(new Checked(orders.size(), customers.size(), products.size()), checks, List.copyOf(violations), statusOf);
  }

  /** Every order, page after page until a short one. */
  private static JsonArray allOrders(Vertx vertx, int pageSize) throws Exception {
    JsonArray all = new JsonArray();
    for (int offset = 0; ; offset += pageSize) {
      JsonArray page = request(vertx, OrderAddresses.LIST, new JsonObject().put("limit", pageSize).put("offset", offset))
          .getJsonArray("orders");
      all.addAll(page);
      if (page.size() < pageSize) {
        return all;
      }
    }
  }

  private static JsonObject request(Vertx vertx, String address, JsonObject body) throws Exception {
    return vertx.eventBus().<JsonObject>request(address, body, QUERY)
        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS).body();
  }
}
