package dev.microshop.order;

import dev.microshop.common.batch.BatchMessages;
import dev.microshop.common.batch.Batcher;
import dev.microshop.common.discovery.ServiceClient;
import dev.microshop.common.failure.FailureCode;
import dev.microshop.common.tracing.Tracing;
import dev.microshop.customer.api.CreditReservation;
import dev.microshop.customer.api.CustomerAddresses;
import dev.microshop.customer.api.ReleaseCredit;
import dev.microshop.customer.api.ReserveCredit;
import dev.microshop.inventory.api.InventoryAddresses;
import dev.microshop.inventory.api.OrderLine;
import dev.microshop.inventory.api.ReserveStock;
import dev.microshop.inventory.api.StockCommand;
import dev.microshop.inventory.api.StockReservation;
import dev.microshop.order.api.Milestone;
import dev.microshop.order.api.OrderStatus;
import dev.microshop.order.db.Order;
import dev.microshop.order.db.OrderRepository;
import dev.microshop.order.db.SagaStep;
import io.opentelemetry.api.trace.Span;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The order saga, orchestrated: each step sends one idempotent command to a participant and,
 * on its answer, moves the order to the next step in one statement of the order database (the order,
 * its timeline and its events); the stock reserved is stored with the credit step's outcome, in one
 * move. Under load, the moves of many orders share a statement ({@link Batcher}: a move that comes
 * while {@code commitsInFlight} statements run waits for the next, with the others that came meanwhile).
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
 * Likewise, a reservation that comes while {@code batchesInFlight} reservations are in flight to that
 * participant waits, and the first to end sends the waiting ones as one command (e.g. reserve stock
 * for 30 orders), which the participant applies in one transaction, deciding each order on its own.
 * Under a moderate load, a reservation also lingers up to {@code batchLingerMs} after the last batch
 * went, for others to go with it ({@link Batcher}); idle, it goes at once.
 *
 * The forward steps (reserve stock, reserve credit) wait for one of a bounded number of permits per
 * participant ({@code saga.max-steps-in-flight}); the releases and the cancel's steps go ahead of them
 * ({@link ServiceClient#requestAhead}): they free stock and credit, and a cancel queued behind a
 * backlog of reservations would find the order shipped.
 *
 * Stock is released before credit on a cancel, so the inventory decides a race with shipping:
 * once it has shipped, nothing is released. A step that fails (timeout, no instance) is retried
 * with an exponential backoff; the state survives any crash, and a resumed step is safe to send
 * again because every participant is idempotent by order id.
 */
final class OrderSaga {

  private static final Logger LOG = LoggerFactory.getLogger(OrderSaga.class);

  /**
   * {@code commitsInFlight}: statements of transitions at once, at most; the transitions that come
   * meanwhile are written together, up to {@code maxBatch} in one statement. {@code batchesInFlight}:
   * the same for the reservations sent to each participant (up to {@code maxBatch} orders in one command).
   * {@code batchLingerMs}, {@code commitLingerMs}: the reservations' and the transitions' linger under a
   * load ({@link Batcher}; 0: none).
   */
  record Settings(long stepTimeoutMs, long leaseMs, long minBackoffMs, long maxBackoffMs, int commitsInFlight, int maxBatch,
                  int batchesInFlight, long batchLingerMs, long commitLingerMs) {
  }

  private final Pool pool;
  private final OrderRepository orders;
  private final ServiceClient inventory;
  private final ServiceClient customers;
  private final Settings settings;
  private final Runnable eventsWritten;
  /** The transitions, committed together when they come while others commit. */
  private final Batcher<OrderRepository.Move, Boolean> transitions;
  /** The forward steps, sent as one command for several orders when they come while others are in flight. */
  private final Batcher<Sent<ReserveStock>, StockReservation> stockReservations;
  private final Batcher<Sent<ReserveCredit>, CreditReservation> creditReservations;
  /** Orders this instance is driving now: one driver per order and instance. */
  private final Set<UUID> driving = ConcurrentHashMap.newKeySet();

  OrderSaga(Pool pool, OrderRepository orders, ServiceClient inventory, ServiceClient customers, Settings settings,
            Batcher.Timer timer, Runnable eventsWritten) {
    this.eventsWritten = eventsWritten;
    this.pool = pool;
    this.orders = orders;
    this.inventory = inventory;
    this.customers = customers;
    this.settings = settings;
    this.transitions = new Batcher<>(settings.commitsInFlight(), settings.maxBatch(), settings.stepTimeoutMs(),
        settings.commitLingerMs(), timer, moves -> orders.transitionAll(pool, moves, settings.leaseMs()));
    this.stockReservations = reservations(inventory, InventoryAddresses.RESERVE, InventoryAddresses.RESERVE_ALL,
        ReserveStock::toJson, StockReservation::fromJson, timer);
    this.creditReservations = reservations(customers, CustomerAddresses.RESERVE_CREDIT, CustomerAddresses.RESERVE_CREDIT_ALL,
        ReserveCredit::toJson, CreditReservation::fromJson, timer);
  }

  /** A command to a participant, with the traceparent of the step that sends it (null: not traced). */
  private record Sent<C>(C command, String traceParent) {
    static <C> Sent<C> now(C command) {
      return new Sent<>(command, Tracing.traceParent());
    }
  }

  /**
   * A participant's reservations in batches: one alone to {@code one}, several as one command to {@code all}.
   * The request is sent in the trace of the first order's step (it may go from another's completion), and a
   * batch carries each order's traceparent: the participant's work joins every order's trace.
   */
  private <C, R> Batcher<Sent<C>, R> reservations(ServiceClient participant, String one, String all, Function<C, JsonObject> toJson,
                                                  Function<JsonObject, R> fromJson, Batcher.Timer timer) {
    return new Batcher<>(settings.batchesInFlight(), settings.maxBatch(), settings.stepTimeoutMs(), settings.batchLingerMs(), timer,
        sent -> Tracing.inTrace(sent.get(0).traceParent(), () -> sent.size() == 1
            ? participant.request(one, toJson.apply(sent.get(0).command())).map(r -> List.of(fromJson.apply(r)))
            : participant.request(all, BatchMessages.commands(sent.stream().map(Sent::command).toList(), toJson,
                    sent.stream().map(Sent::traceParent).toList()))
                .map(r -> BatchMessages.results(r, sent.size(), fromJson))));
  }

  /** How many orders this instance is driving now (a step in flight or about to be sent). */
  int inProgress() {
    return driving.size();
  }

  /** Drives the order's saga as far as it goes now; completes when it is done or waits for a retry. Never fails. */
  Future<Void> drive(UUID orderId) {
    return drive(orderId, () -> loop(orderId));
  }

  /** The same from the state the order was just stored in (a placement's): not read again. */
  Future<Void> drive(Order order) {
    return drive(order.id(), () -> continueFrom(order));
  }

  private Future<Void> drive(UUID orderId, Supplier<Future<Void>> from) {
    if (!driving.add(orderId)) {
      return Future.succeededFuture();
    }
    return Future.<Void>succeededFuture().compose(v -> from.get()) // a throw: a failed driver, not a lost one
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
    return continueFrom(order, null);
  }

  /**
   * The same, {@code passed}: a transition done but not stored yet, stored with the next one's. The
   * stock reserved is not stored alone: the driver goes on to the credit step and stores its outcome and
   * both's milestones in one move. After a crash in between, the order is found at its stock step, sent
   * again (the inventory answers a repeat with its first outcome): a happy order makes one move, not two.
   */
  private Future<Void> continueFrom(Order order, Order.Transition passed) {
    if (order.finished()) {
      return Future.succeededFuture();
    }
    return traced(order)
        .compose(t -> {
          if (passed == null && t.step() == SagaStep.RESERVE_CREDIT) { // the stock reserved: on to the credit
            return Future.succeededFuture(new Next(order.passing(t), t));
          }
          Order.Transition move = passed == null ? t : t.through(passed);
          return transitions.submit(new OrderRepository.Move(order, move))
              .onSuccess(moved -> eventsWritten.run())
              .map(moved -> moved ? new Next(order.after(move), null) : null);
        })
        .compose(next -> next != null ? continueFrom(next.order(), next.passed()) : loop(order.id()),
            failure -> retryLater(order, failure));
  }

  /** Where a driver goes on from: the order's state and the transition passed on the way, not stored yet (or null). */
  private record Next(Order order, Order.Transition passed) {
  }

  /**
   * The step as a span of the order's trace (a child of its placement's span, whichever instance
   * drives it, however much later), with the order's id: what the admin's waterfall finds the order
   * by. The step's request is sent in the span, so the participant's spans join it; a request for
   * several orders (under load) joins the first order's trace, and the participant adds a span of its
   * batch to each order's trace ({@link Tracing#forEach}).
   */
  private Future<Order.Transition> traced(Order o) {
    Span span = Tracing.tracer().spanBuilder("saga " + o.step().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'))
        .setParent(Tracing.parent(o.traceParent()))
        .setAttribute("order.id", o.id().toString())
        .setAttribute("microshop.service", "order")
        .setAttribute("saga.attempt", o.attempts() + 1L)
        .startSpan();
    return Tracing.within(span, () -> step(o));
  }

  private Future<Order.Transition> step(Order o) {
    String id = o.id().toString();
    return switch (o.step()) {
      case RESERVE_STOCK -> stockReservations.submit(Sent.now(new ReserveStock(id, requested(o.lines()))))
          .map(r -> r.status() == StockReservation.Status.RESERVED
              ? new Order.Transition(OrderStatus.PENDING, SagaStep.RESERVE_CREDIT, r.lines(), r.totalCents(), null,
                  List.of(Milestone.STOCK_RESERVED))
              : o.to(OrderStatus.REJECTED, SagaStep.DONE, reason(r.reason(), "the stock was released"), Milestone.REJECTED));
      case RESERVE_CREDIT -> creditReservations.submit(Sent.now(new ReserveCredit(id, o.customerId(), o.totalCents())))
          .map(r -> r.status() == CreditReservation.Status.RESERVED
              ? o.to(OrderStatus.APPROVED, SagaStep.DONE, null, Milestone.CREDIT_RESERVED, Milestone.APPROVED)
              : o.to(OrderStatus.PENDING, SagaStep.RELEASE_STOCK, reason(r.reason(), "the credit was released"),
                  Milestone.CREDIT_REJECTED));
      case RELEASE_STOCK -> inventory.requestAhead(InventoryAddresses.RELEASE, new StockCommand(id).toJson())
          .map(StockReservation::fromJson)
          .map(r -> o.to(OrderStatus.REJECTED, SagaStep.DONE, o.reason(), Milestone.STOCK_RELEASED, Milestone.REJECTED));
      case CANCEL_STOCK -> inventory.requestAhead(InventoryAddresses.RELEASE, new StockCommand(id).toJson())
          .map(StockReservation::fromJson)
          .map(r -> o.to(OrderStatus.APPROVED, SagaStep.CANCEL_CREDIT, null, Milestone.STOCK_RELEASED))
          .recover(t -> FailureCode.of(t) == FailureCode.CONFLICT
              ? Future.succeededFuture(o.to(OrderStatus.APPROVED, SagaStep.DONE, "the order has shipped",
                  Milestone.CANCEL_REFUSED))
              : Future.failedFuture(t));
      case CANCEL_CREDIT -> customers.requestAhead(CustomerAddresses.RELEASE_CREDIT, new ReleaseCredit(id).toJson())
          .map(CreditReservation::fromJson)
          .map(r -> o.to(OrderStatus.CANCELLED, SagaStep.DONE, null, Milestone.CREDIT_RELEASED, Milestone.CANCELLED));
      case DONE -> Future.failedFuture(new IllegalStateException("order " + id + " has no step left"));
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

  /** The order's lines as placed (sku and quantity; the prices are the inventory's answer). */
  private static List<OrderLine> requested(JsonArray lines) {
    return lines.stream().map(l -> new OrderLine(((JsonObject) l).getString("sku"), ((JsonObject) l).getInteger("quantity"))).toList();
  }

  private static String reason(String reason, String fallback) {
    return reason == null ? fallback : reason;
  }
}
