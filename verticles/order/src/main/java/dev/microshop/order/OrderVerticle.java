package dev.microshop.order;

import dev.microshop.common.discovery.ServiceClient;
import dev.microshop.common.failure.FailureCode;
import dev.microshop.common.failure.ServiceException;
import dev.microshop.common.json.Input;
import dev.microshop.common.service.ServiceVerticle;
import dev.microshop.common.tracing.Tracing;
import dev.microshop.customer.api.CustomerAddresses;
import dev.microshop.inventory.api.InventoryAddresses;
import dev.microshop.order.api.OrderAddresses;
import dev.microshop.order.api.Milestone;
import dev.microshop.order.api.OrderStatus;
import dev.microshop.order.api.PlaceOrder;
import dev.microshop.order.db.Order;
import dev.microshop.order.db.OrderRepository;
import dev.microshop.order.db.SagaStep;
import dev.microshop.shipping.api.ShippingAddresses;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * Orders: placement (idempotent per customer and key), reads, cancellation, and the saga that
 * takes each order through stock and credit. Unfinished sagas resume at start and on a timer.
 */
public class OrderVerticle extends ServiceVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(OrderVerticle.class);
  private static final int RESUME_BATCH = 200;

  private final OrderRepository orders = new OrderRepository();
  private OrderSaga saga;
  private OrderSaga.Settings settings;
  private long timer = -1;
  /** Placements are refused (503) while this instance drives this many orders ({@code saga.max-in-progress}). */
  private int maxInProgress;

  @Override
  protected String service() {
    return OrderAddresses.SERVICE;
  }

  @Override
  protected Future<?> startService() {
    JsonObject s = conf.getJsonObject("saga", new JsonObject());
    settings = new OrderSaga.Settings(s.getLong("step-timeout-ms", 3000L), s.getLong("lease-ms", 10_000L),
        s.getLong("min-backoff-ms", 250L), s.getLong("max-backoff-ms", 30_000L), s.getInteger("commits-in-flight", 2),
        s.getInteger("max-batch", 64), s.getInteger("batches-in-flight", 2), s.getLong("batch-linger-ms", 15L),
        s.getLong("commit-linger-ms", 0L));
    // steps in flight to each participant, at most: a backlog (after a slow spell) waits here, not
    // in the participant's pool queue past its timeout, to be sent again and queue again; a step that
    // waited a step timeout for a permit backs off like a timed-out one (it is not counted in progress
    // meanwhile: a rolling restart's IT had placements refused as busy while 1,000 steps waited)
    int stepsInFlight = s.getInteger("max-steps-in-flight", 32);
    saga = new OrderSaga(pool, orders,
        new ServiceClient(vertx, registry(), InventoryAddresses.SERVICE, settings.stepTimeoutMs()).limitedTo(stepsInFlight, settings.stepTimeoutMs()),
        new ServiceClient(vertx, registry(), CustomerAddresses.SERVICE, settings.stepTimeoutMs()).limitedTo(stepsInFlight, settings.stepTimeoutMs()),
        settings, (ms, action) -> vertx.setTimer(ms, id -> action.run()), this::eventsWritten);
    long resumeEvery = s.getLong("resume-interval-ms", 1000L);
    maxInProgress = s.getInteger("max-in-progress", 1000);
    return all(
        serve(OrderAddresses.PLACE, this::place),
        serve(OrderAddresses.GET, this::get),
        serve(OrderAddresses.CANCEL, this::cancel),
        serve(OrderAddresses.LIST, this::list),
        serve(OrderAddresses.STATS, this::stats))
        .compose(v -> consume(ShippingAddresses.SERVICE,
            type -> type.equals(ShippingAddresses.SHIPMENT_SHIPPED) || type.equals(ShippingAddresses.SHIPMENT_DELIVERED),
            this::onShipmentEvent))
        .onSuccess(v -> {
          resumeAll();
          timer = vertx.setPeriodic(resumeEvery, id -> resumeDue());
        });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return super.stop();
  }

  private Future<JsonObject> place(JsonObject body) {
    PlaceOrder cmd = PlaceOrder.fromJson(body);
    if (saga.inProgress() >= maxInProgress) { // admission: refused before anything is stored
      return Future.failedFuture(new ServiceException(FailureCode.BUSY,
          "the shop is busy (" + saga.inProgress() + " orders in progress): try again in a moment"));
    }
    UUID id = UUID.randomUUID();
    String traceParent = Tracing.traceParent(); // the placement's span: the saga's steps join its trace
    return orders.insert(pool, id, cmd, settings.leaseMs(), traceParent) // one statement: no transaction around it
        .compose(inserted -> {
          if (inserted.isPresent()) {
            eventsWritten();
            LOG.info("order {}: placed by customer {} ({} lines)", id, cmd.customerId(), cmd.lines().size());
            saga.drive(inserted.get());
            return Future.succeededFuture(accepted(id.toString()));
          }
          return orders.byKey(pool, cmd.customerId(), cmd.idempotencyKey()).map(first -> {
            JsonObject previous = first.orElseThrow(() -> new IllegalStateException("idempotency key vanished"));
            if (!previous.getString("requestHash").equals(cmd.requestHash())) {
              throw ServiceException.rejected("this Idempotency-Key was already used for another order");
            }
            return accepted(previous.getString("orderId"));
          });
        });
  }

  /** The answer to a placement, the same for its repeats. */
  private static JsonObject accepted(String orderId) {
    return new JsonObject().put("orderId", orderId).put("status", OrderStatus.PENDING.name());
  }

  private Future<JsonObject> get(JsonObject body) {
    Input in = Input.of(body).only("orderId", "customerId");
    UUID id = uuidOrNotFound(in.string("orderId", 1, 64));
    Optional<UUID> owner = Optional.ofNullable(in.optionalString("customerId", 64)).map(OrderVerticle::uuidOrNotFound);
    return view(id, owner);
  }

  private Future<JsonObject> view(UUID id, Optional<UUID> owner) {
    return orders.get(pool, id)
        .map(found -> found.filter(o -> owner.isEmpty() || o.customerId().equals(owner.get()))
            .orElseThrow(() -> ServiceException.notFound("no order " + id)))
        .compose(o -> orders.timeline(pool, id).map(timeline -> o.toJson().put("timeline", timeline)));
  }

  private Future<JsonObject> cancel(JsonObject body) {
    Input in = Input.of(body).only("orderId", "customerId");
    UUID id = uuidOrNotFound(in.string("orderId", 1, 64));
    UUID owner = uuidOrNotFound(in.string("customerId", 1, 64));
    return transaction(tx -> orders.lock(tx, id).compose(found -> {
          Order o = found.filter(x -> x.customerId().equals(owner))
              .orElseThrow(() -> ServiceException.notFound("no order " + id));
          if (o.status() == OrderStatus.CANCELLED || (o.status() == OrderStatus.APPROVED && !o.finished())) {
            return Future.succeededFuture(); // cancelled, or being cancelled: nothing more to do
          }
          if (o.status() == OrderStatus.PENDING) {
            throw ServiceException.conflict("the order is still being processed; try again in a moment");
          }
          if (o.status() != OrderStatus.APPROVED) {
            throw ServiceException.conflict("a " + o.status().name().toLowerCase(Locale.ROOT) + " order cannot be cancelled");
          }
          LOG.info("order {}: cancel requested", id);
          return orders.transition(tx, o, o.to(OrderStatus.APPROVED, SagaStep.CANCEL_STOCK, null, Milestone.CANCEL_REQUESTED),
              settings.leaseMs()).mapEmpty();
        }))
        .compose(v -> saga.drive(id))
        .compose(v -> view(id, Optional.of(owner)));
  }

  private Future<JsonObject> list(JsonObject body) {
    Input in = Input.of(body).only("status", "customerId", "limit", "offset");
    String statusName = in.optionalString("status", 20);
    OrderStatus status = statusName == null ? null : Arrays.stream(OrderStatus.values())
        .filter(s -> s.name().equals(statusName)).findFirst()
        .orElseThrow(() -> ServiceException.badRequest("status must be one of " + Arrays.toString(OrderStatus.values())));
    String customer = in.optionalString("customerId", 64);
    int limit = in.integer("limit", 1, 1000, 100);
    int offset = in.integer("offset", 0, Integer.MAX_VALUE, 0);
    return orders.list(pool, status, customer == null ? null : uuidOrNotFound(customer), limit, offset)
        .map(list -> new JsonObject().put("orders", new JsonArray(list.stream().map(Order::toJson).toList())));
  }

  /**
   * A shipment left (the inventory shipped its stock): the order is SHIPPED and can no longer be
   * cancelled; a cancel in progress is refused. Then DELIVERED.
   */
  private Future<Void> onShipmentEvent(io.vertx.sqlclient.SqlConnection tx, dev.microshop.common.eventlog.Event e) {
    boolean shipped = e.type().equals(ShippingAddresses.SHIPMENT_SHIPPED); // else delivered: the reader passes the others over
    UUID id = UUID.fromString(e.aggregateId());
    return orders.lock(tx, id).compose(found -> {
      if (found.isEmpty()) {
        LOG.warn("order {}: {} for an unknown order", id, e.type());
        return Future.succeededFuture();
      }
      Order o = found.get();
      if (shipped && o.status() == OrderStatus.APPROVED) {
        Order.Transition t = o.finished()
            ? o.to(OrderStatus.SHIPPED, SagaStep.DONE, null, Milestone.SHIPPED)
            : o.to(OrderStatus.SHIPPED, SagaStep.DONE, "the order has shipped", Milestone.CANCEL_REFUSED, Milestone.SHIPPED);
        return orders.transition(tx, o, t, settings.leaseMs()).mapEmpty();
      }
      if (!shipped && o.status() == OrderStatus.SHIPPED) {
        return orders.transition(tx, o, o.to(OrderStatus.DELIVERED, SagaStep.DONE, null, Milestone.DELIVERED),
            settings.leaseMs()).mapEmpty();
      }
      return Future.succeededFuture(); // a repeat, or an order that moved on
    });
  }

  private Future<JsonObject> stats(JsonObject body) {
    JsonObject query = body == null ? new JsonObject() : body;
    Input in = Input.of(query).only("recent", "since", "counts");
    boolean recent = in.bool("recent", false);
    boolean counted = in.bool("counts", true);
    OffsetDateTime since = recent ? since(in.optionalString("since", 40)) : null;
    Future<JsonObject> counts = !counted ? Future.succeededFuture(new JsonObject())
        : orders.countByStatus(pool).map(byStatus -> new JsonObject().put("byStatus", byStatus)
            .put("total", byStatus.stream().mapToLong(e -> (Long) e.getValue()).sum()));
    return !recent ? counts : counts.compose(stats -> orders.recent(pool, since).map(r -> stats.put("recent", r)));
  }

  /** A stats window's start: an instant within the last hour (null: the last 5 s). */
  private static OffsetDateTime since(String raw) {
    if (raw == null) {
      return null;
    }
    try {
      Instant since = Instant.parse(raw);
      if (since.isBefore(Instant.now().minus(Duration.ofHours(1)))) {
        throw ServiceException.badRequest("since must be within the last hour");
      }
      return since.atOffset(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      throw ServiceException.badRequest("since must be an ISO-8601 instant, e.g. 2026-12-02T08:00:00Z");
    }
  }

  /** At start: every unfinished saga, whoever was driving it when its JVM stopped. */
  private void resumeAll() {
    orders.unfinished(pool)
        .onSuccess(ids -> {
          if (!ids.isEmpty()) {
            LOG.info("resuming {} unfinished order saga(s)", ids.size());
          }
          ids.forEach(saga::drive);
        })
        .onFailure(t -> LOG.warn("cannot list unfinished sagas: {}", t.getMessage()));
  }

  /** On the timer: the sagas whose lease or backoff has run out. */
  private void resumeDue() {
    orders.claimDue(pool, RESUME_BATCH, settings.leaseMs())
        .onSuccess((List<UUID> ids) -> ids.forEach(saga::drive))
        .onFailure(t -> LOG.warn("cannot claim due sagas: {}", t.getMessage()));
  }

  /** An id that is not even a UUID names no order: 404, as for any order one may not see. */
  private static UUID uuidOrNotFound(String raw) {
    return Input.uuidOr(raw, () -> ServiceException.notFound("no order " + raw));
  }
}
