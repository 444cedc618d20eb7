package dev.microshop.order;

import dev.microshop.common.discovery.ServiceClient;
import dev.microshop.common.failure.FailureCode;
import dev.microshop.customer.api.CreditReservation;
import dev.microshop.customer.api.CustomerAddresses;
import dev.microshop.inventory.api.InventoryAddresses;
import dev.microshop.inventory.api.StockReservation;
import dev.microshop.order.api.OrderStatus;
import dev.microshop.order.db.Order;
import dev.microshop.order.db.OrderRepository;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The order saga, orchestrated: each step sends one idempotent command to a participant and,
 * on its answer, moves the order to the next step in one transaction of the order database.
 *
 * <pre>
 *   RESERVE_STOCK  ─reserved→ RESERVE_CREDIT ─reserved→ DONE (APPROVED)
 *        │rejected                 │rejected
 *        ▼                         ▼
 *   DONE (REJECTED)           RELEASE_STOCK ─released→ DONE (REJECTED)
 *
 *   cancel of an APPROVED order: CANCEL_STOCK ─released→ CANCEL_CREDIT ─released→ DONE (CANCELLED)
 *                                    │409: shipped already → DONE (APPROVED, cancel refused)
 * </pre>
 *
 * Stock is released before credit on a cancel, so the inventory decides a race with shipping:
 * once it has shipped, nothing is released. A step that fails (timeout, no instance) is retried
 * with an exponential backoff; the state survives any crash, and a resumed step is safe to send
 * again because every participant is idempotent by order id.
 */
final class OrderSaga {

  private static final Logger LOG = LoggerFactory.getLogger(OrderSaga.class);

  record Settings(long stepTimeoutMs, long leaseMs, long minBackoffMs, long maxBackoffMs) {
  }

  private final Pool pool;
  private final OrderRepository orders;
  private final ServiceClient inventory;
  private final ServiceClient customers;
  private final Settings settings;
  private final Runnable eventsWritten;
  /** Orders this instance is driving now: one driver per order and instance. */
  private final Set<UUID> driving = ConcurrentHashMap.newKeySet();

  OrderSaga(Pool pool, OrderRepository orders, ServiceClient inventory, ServiceClient customers, Settings settings,
            Runnable eventsWritten) {
    this.eventsWritten = eventsWritten;
    this.pool = pool;
    this.orders = orders;
    this.inventory = inventory;
    this.customers = customers;
    this.settings = settings;
  }

  /** How many orders this instance is driving now (a step in flight or about to be sent). */
  int inProgress() {
    return driving.size();
  }

  /** Drives the order's saga as far as it goes now; completes when it is done or waits for a retry. Never fails. */
  Future<Void> drive(UUID orderId) {
    if (!driving.add(orderId)) {
      return Future.succeededFuture();
    }
    return loop(orderId)
        .recover(t -> {
          LOG.error("order {}: saga driver failed", orderId, t);
          return Future.succeededFuture();
        })
        .eventually(() -> {
          driving.remove(orderId);
          return Future.succeededFuture();
        });
  }

  private Future<Void> loop(UUID orderId) {
    return orders.get(pool, orderId).compose(found -> found.isEmpty()
        ? Future.succeededFuture()
        : continueFrom(found.get()));
  }

  /**
   * Runs the order's next step from the state it was read or moved into: after a transition of its
   * own, the driver knows the new state (the stored one, version + 1) and goes on without reading
   * it again; when another driver moved the order meanwhile, it reads it again.
   */
  private Future<Void> continueFrom(Order order) {
    if (order.finished()) {
      return Future.succeededFuture();
    }
    return step(order)
        .compose(t -> pool.withTransaction(tx -> orders.transition(tx, order, t, settings.leaseMs()))
            .onSuccess(moved -> eventsWritten.run())
            .map(moved -> moved ? order.after(t) : null))
        .compose(next -> next != null ? continueFrom(next) : loop(order.id()), failure -> retryLater(order, failure));
  }

  private Future<Order.Transition> step(Order o) {
    String id = o.id().toString();
    return switch (o.step()) {
      case "RESERVE_STOCK" -> inventory.request(InventoryAddresses.RESERVE, new JsonObject().put("orderId", id)
              .put("lines", requested(o.lines())))
          .map(StockReservation::fromJson)
          .map(r -> StockReservation.RESERVED.equals(r.status())
              ? new Order.Transition(OrderStatus.PENDING, "RESERVE_CREDIT", r.lines(), r.totalCents(), null,
                  java.util.List.of(OrderStatus.STOCK_RESERVED))
              : o.to(OrderStatus.REJECTED, Order.DONE, reason(r.reason(), "the stock was released"), OrderStatus.REJECTED));
      case "RESERVE_CREDIT" -> customers.request(CustomerAddresses.RESERVE_CREDIT, new JsonObject().put("orderId", id)
              .put("customerId", o.customerId().toString()).put("amountCents", o.totalCents()))
          .map(CreditReservation::fromJson)
          .map(r -> CreditReservation.RESERVED.equals(r.status())
              ? o.to(OrderStatus.APPROVED, Order.DONE, null, OrderStatus.CREDIT_RESERVED, OrderStatus.APPROVED)
              : o.to(OrderStatus.PENDING, "RELEASE_STOCK", reason(r.reason(), "the credit was released"),
                  OrderStatus.CREDIT_REJECTED));
      case "RELEASE_STOCK" -> inventory.request(InventoryAddresses.RELEASE, new JsonObject().put("orderId", id))
          .map(r -> o.to(OrderStatus.REJECTED, Order.DONE, o.reason(), OrderStatus.STOCK_RELEASED, OrderStatus.REJECTED));
      case "CANCEL_STOCK" -> inventory.request(InventoryAddresses.RELEASE, new JsonObject().put("orderId", id))
          .map(r -> o.to(OrderStatus.APPROVED, "CANCEL_CREDIT", null, OrderStatus.STOCK_RELEASED))
          .recover(t -> FailureCode.of(t) == FailureCode.CONFLICT
              ? Future.succeededFuture(o.to(OrderStatus.APPROVED, Order.DONE, "the order has shipped",
                  OrderStatus.CANCEL_REFUSED))
              : Future.failedFuture(t));
      case "CANCEL_CREDIT" -> customers.request(CustomerAddresses.RELEASE_CREDIT, new JsonObject().put("orderId", id))
          .map(r -> o.to(OrderStatus.CANCELLED, Order.DONE, null, OrderStatus.CREDIT_RELEASED, OrderStatus.CANCELLED));
      default -> Future.failedFuture(new IllegalStateException("unknown saga step " + o.step()));
    };
  }

  private Future<Void> retryLater(Order o, Throwable failure) {
    FailureCode code = FailureCode.of(failure);
    boolean permanent = code == FailureCode.BAD_REQUEST || code == FailureCode.NOT_FOUND || code == FailureCode.CONFLICT;
    long backoff = permanent ? settings.maxBackoffMs()
        : Math.min(settings.maxBackoffMs(), settings.minBackoffMs() << Math.min(o.attempts(), 16));
    if (permanent || o.attempts() >= 3) {
      LOG.warn("order {}: step {} failed ({}, attempt {}): retry in {} ms", o.id(), o.step(), failure.getMessage(),
          o.attempts() + 1, backoff);
    } else {
      LOG.debug("order {}: step {} failed ({}): retry in {} ms", o.id(), o.step(), failure.getMessage(), backoff);
    }
    return orders.failedAttempt(pool, o.id(), backoff);
  }

  private static JsonArray requested(JsonArray lines) {
    JsonArray out = new JsonArray();
    lines.forEach(l -> out.add(new JsonObject().put("sku", ((JsonObject) l).getString("sku"))
        .put("quantity", ((JsonObject) l).getInteger("quantity"))));
    return out;
  }

  private static String reason(String reason, String fallback) {
    return reason == null ? fallback : reason;
  }
}
