package dev.microshop.shipping;

import dev.microshop.common.discovery.ServiceClient;
import dev.microshop.common.eventlog.Event;
import dev.microshop.common.failure.FailureCode;
import dev.microshop.common.failure.ServiceException;
import dev.microshop.common.json.Input;
import dev.microshop.common.service.ServiceVerticle;
import dev.microshop.common.tracing.Tracing;
import dev.microshop.inventory.api.InventoryAddresses;
import dev.microshop.inventory.api.StockCommand;
import dev.microshop.order.api.OrderAddresses;
import dev.microshop.order.api.Milestone;
import dev.microshop.order.api.OrderEvent;
import dev.microshop.shipping.api.Shipment;
import dev.microshop.shipping.api.ShippingAddresses;
import dev.microshop.shipping.db.ShipmentRepository;
import io.opentelemetry.api.trace.Span;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Shipments, built from the order service's events: an approved order gets a shipment; a
 * simulated courier prepares it, ships it (the inventory's reserved stock leaves the warehouse)
 * and delivers it, after the delays of {@code courier.*}. A cancelled order's shipment that has
 * not left is cancelled; the inventory decides a race between shipping and cancelling.
 */
public class ShippingVerticle extends ServiceVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(ShippingVerticle.class);
  private static final int BATCH = 50;

  private final ShipmentRepository shipments = new ShipmentRepository();
  private ServiceClient inventory;
  private long prepareMs;
  private long deliveryMs;
  private long leaseMs;
  private long timer = -1;

  @Override
  protected String service() {
    return ShippingAddresses.SERVICE;
  }

  @Override
  protected Future<?> startService() {
    JsonObject courier = conf.getJsonObject("courier", new JsonObject());
    prepareMs = courier.getLong("prepare-delay-ms", 5000L);
    deliveryMs = courier.getLong("delivery-delay-ms", 5000L);
    leaseMs = courier.getLong("lease-ms", 10_000L);
    long tickMs = courier.getLong("tick-ms", 250L);
    inventory = new ServiceClient(vertx, registry(), InventoryAddresses.SERVICE, conf.getLong("request-timeout-ms", 5000L));
    return all(serve(ShippingAddresses.GET, this::get), serve(ShippingAddresses.LIST, this::list))
        .compose(v -> consumeBatches(OrderAddresses.SERVICE,
            type -> type.equals(Milestone.APPROVED.eventType()) || type.equals(Milestone.CANCELLED.eventType()),
            this::onOrderEvents))
        .onSuccess(c -> timer = vertx.setPeriodic(tickMs, id -> courierRound()));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return super.stop();
  }

  /**
   * A batch of the order's approvals and cancellations, in log order: the shipments of each run of
   * approvals in one statement (and their events in another), a cancellation after the shipments
   * before it. Each shipment continues the trace of its approval's {@code apply} span.
   */
  private Future<Void> onOrderEvents(SqlConnection tx, List<Event> events) {
    Future<Void> chain = Future.succeededFuture();
    List<ShipmentRepository.NewShipment> approved = new ArrayList<>();
    for (Event e : events) {
      UUID orderId = UUID.fromString(e.aggregateId());
      if (e.type().equals(Milestone.APPROVED.eventType())) {
        OrderEvent order = OrderEvent.fromJson(e.payload());
        approved.add(new ShipmentRepository.NewShipment(orderId, order.customerId(), order.address(), e.occurredAt(),
            e.traceParent()));
      } else if (e.type().equals(Milestone.CANCELLED.eventType())) {
        chain = created(chain, tx, approved).compose(v -> shipments.cancel(tx, orderId));
      }
    }
    return created(chain, tx, approved);
  }

  /** After {@code chain}, the shipments gathered in {@code approved} (then emptied); {@code chain} when none. */
  private Future<Void> created(Future<Void> chain, SqlConnection tx, List<ShipmentRepository.NewShipment> approved) {
    if (approved.isEmpty()) {
      return chain;
    }
    List<ShipmentRepository.NewShipment> run = List.copyOf(approved);
    approved.clear();
    return chain.compose(v -> shipments.createAll(tx, run, prepareMs));
  }

  /** One round of the courier: every shipment whose next step is due. */
  private void courierRound() {
    shipments.claimDue(pool, BATCH, leaseMs)
        .onSuccess(due -> due.forEach(d -> traced(d)
            .onFailure(t -> {
              LOG.warn("shipment of order {}: {} (retried)", d.orderId(), t.getMessage());
              shipments.retryLater(pool, d.orderId());
            })))
        .onFailure(t -> LOG.warn("courier round: {}", t.getMessage()));
  }

  /**
   * The courier's step as a span of the order's trace ({@code courier ship} or {@code courier
   * deliver}), with the order's id; the inventory's part runs while it is current, so it joins.
   */
  private Future<Void> traced(ShipmentRepository.Due d) {
    if (d.traceParent() == null) {
      return step(d.orderId(), d.status());
    }
    Span span = Tracing.tracer()
        .spanBuilder(d.status() == Shipment.Status.SHIPPED ? "courier deliver" : "courier ship")
        .setParent(Tracing.parent(d.traceParent()))
        .setAttribute("order.id", d.orderId().toString())
        .setAttribute("microshop.service", ShippingAddresses.SERVICE)
        .startSpan();
    return Tracing.within(span, () -> step(d.orderId(), d.status()));
  }

  private Future<Void> step(UUID orderId, Shipment.Status status) {
    if (status == Shipment.Status.SHIPPED) {
      return transaction(tx -> shipments.delivered(tx, orderId));
    }
    return inventory.request(InventoryAddresses.SHIP, new StockCommand(orderId.toString()).toJson())
        .compose(shipped -> transaction(tx -> shipments.shipped(tx, orderId, deliveryMs)),
            t -> FailureCode.of(t) == FailureCode.CONFLICT
                // the stock was released: the order was cancelled before it left
                ? transaction(tx -> shipments.cancel(tx, orderId))
                : Future.failedFuture(t));
  }

  private Future<JsonObject> get(JsonObject body) {
    String raw = Input.of(body).only("orderId").string("orderId", 1, 64);
    UUID id = Input.uuidOr(raw, () -> ServiceException.notFound("no shipment for order " + raw));
    return shipments.get(pool, id).map(s -> s.orElseThrow(() -> ServiceException.notFound("no shipment for order " + raw)).toJson());
  }

  private Future<JsonObject> list(JsonObject body) {
    return shipments.list(pool).map(list -> new JsonObject().put("shipments", new JsonArray(list.stream().map(Shipment::toJson).toList())));
  }
}
