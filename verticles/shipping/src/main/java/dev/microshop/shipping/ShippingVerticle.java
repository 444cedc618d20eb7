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
        .compose(v -> consume(OrderAddresses.SERVICE,
            type -> type.equals(Milestone.APPROVED.eventType()) || type.equals(Milestone.CANCELLED.eventType()),
            this::onOrderEvent))
        .onSuccess(c -> timer = vertx.setPeriodic(tickMs, id -> courierRound()));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return super.stop();
  }

  private Future<Void> onOrderEvent(SqlConnection tx, Event e) {
    UUID orderId = UUID.fromString(e.aggregateId());
    if (e.type().equals(Milestone.APPROVED.eventType())) {
      OrderEvent approved = OrderEvent.fromJson(e.payload());
      // the shipment's own steps continue from this span (applying the approval), else from the order's
      String traceParent = Tracing.traceParent();
      return shipments.create(tx, orderId, approved.customerId(), approved.address(), e.occurredAt(), prepareMs,
          traceParent != null ? traceParent : e.traceParent());
    }
    if (e.type().equals(Milestone.CANCELLED.eventType())) {
      return shipments.cancel(tx, orderId);
    }
    return Future.succeededFuture();
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
