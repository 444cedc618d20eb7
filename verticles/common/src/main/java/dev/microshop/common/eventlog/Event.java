package dev.microshop.common.eventlog;

import io.vertx.core.json.JsonObject;

import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * One event of a service's log.
 *
 * @param position      its place in the producer's log (unique, increasing within a transaction)
 * @param tx            the id of the transaction that wrote it; readers go in (tx, position) order
 * @param id            its identity
 * @param type          what happened, e.g. {@code order.approved}
 * @param aggregateId   what it happened to, e.g. the order id
 * @param occurredAt    when (the writing transaction's clock)
 * @param schemaVersion the version of its payload's shape
 * @param payload       the facts
 * @param traceParent   the W3C traceparent of the work that wrote it, null when it was not traced
 */
public record Event(long position, long tx, UUID id, String type, String aggregateId, OffsetDateTime occurredAt,
                    int schemaVersion, JsonObject payload, String traceParent) {

  /** This event with another traceparent (null: none). */
  public Event withTraceParent(String traceParent) {
    return new Event(position, tx, id, type, aggregateId, occurredAt, schemaVersion, payload, traceParent);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("position", position)
        .put("tx", tx)
        .put("id", id.toString())
        .put("type", type)
        .put("aggregateId", aggregateId)
        .put("occurredAt", occurredAt.toString())
        .put("schemaVersion", schemaVersion)
        .put("payload", payload);
    return traceParent == null ? json : json.put("traceParent", traceParent);
  }

  public static Event fromJson(JsonObject j) {
    return new Event(j.getLong("position"), j.getLong("tx"), UUID.fromString(j.getString("id")), j.getString("type"),
        j.getString("aggregateId"), OffsetDateTime.parse(j.getString("occurredAt")), j.getInteger("schemaVersion"),
        j.getJsonObject("payload"), j.getString("traceParent"));
  }
}
