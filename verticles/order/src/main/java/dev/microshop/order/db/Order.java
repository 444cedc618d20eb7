package dev.microshop.order.db;

import dev.microshop.common.json.Money;
import dev.microshop.order.api.Milestone;
import dev.microshop.order.api.OrderStatus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/** An order as stored, with the state of its saga. */
public record Order(UUID id, UUID customerId, OrderStatus status, SagaStep step, JsonArray lines, Long totalCents,
                    String reason, int attempts, int version, OffsetDateTime createdAt, OffsetDateTime updatedAt,
                    JsonObject address, String traceParent) {

  public boolean finished() {
    return step == SagaStep.DONE;
  }

  /**
   * The next state of the order, and the milestones that lead there; {@code via}: a state passed on
   * the way and not stored (null: none), whose milestones (with the order as it was then) come first.
   */
  public record Transition(OrderStatus status, SagaStep step, JsonArray lines, Long totalCents, String reason,
                           List<Milestone> events, Transition via) {

    public Transition(OrderStatus status, SagaStep step, JsonArray lines, Long totalCents, String reason,
                      List<Milestone> events) {
      this(status, step, lines, totalCents, reason, events, null);
    }

    /** This transition, reached through {@code passed} (a state not stored): one move with both's milestones. */
    public Transition through(Transition passed) {
      return new Transition(status, step, lines, totalCents, reason, events, passed);
    }
  }

  public Transition to(OrderStatus newStatus, SagaStep newStep, String newReason, Milestone... events) {
    return new Transition(newStatus, newStep, lines, totalCents, newReason, List.of(events));
  }

  /** The order as {@link OrderRepository#transition} stores it after {@code t} (attempts reset, version + 1). */
  public Order after(Transition t) {
    return new Order(id, customerId, t.status(), t.step(), t.lines(), t.totalCents(), t.reason(), 0, version + 1,
        createdAt, OffsetDateTime.now(), address, traceParent);
  }

  /**
   * The order as it is once {@code t} is done but not stored (version and attempts unchanged): the
   * state a driver goes on from in memory, to store it with the next transition ({@link Transition#through}).
   */
  public Order passing(Transition t) {
    return new Order(id, customerId, t.status(), t.step(), t.lines(), t.totalCents(), t.reason(), attempts, version,
        createdAt, updatedAt, address, traceParent);
  }

  /** The summary of an order (lists, views): its lines with their prices once known. */
  public JsonObject toJson() {
    JsonArray priced = new JsonArray();
    for (Object o : lines) {
      JsonObject line = ((JsonObject) o).copy();
      Long price = line.getLong("priceCents");
      if (price != null) {
        line.put("price", Money.format(price));
      }
      priced.add(line);
    }
    JsonObject j = new JsonObject()
        .put("orderId", id.toString())
        .put("customerId", customerId.toString())
        .put("status", status.name())
        .put("lines", priced)
        .put("createdAt", createdAt.toString())
        .put("updatedAt", updatedAt.toString());
    if (totalCents != null) {
      j.put("total", Money.format(totalCents)).put("totalCents", totalCents);
    }
    if (reason != null) {
      j.put("reason", reason);
    }
    if (address != null) {
      j.put("address", address);
    }
    if (!finished()) {
      j.put("inProgress", true);
    }
    return j;
  }
}
