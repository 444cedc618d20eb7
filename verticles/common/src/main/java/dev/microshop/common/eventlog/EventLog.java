package dev.microshop.common.eventlog;

import dev.microshop.common.tracing.Tracing;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A service's event log (transactional outbox). {@link #append} runs on the caller's transaction,
 * so an event exists exactly when the change it records committed.
 *
 * <p>No gaps: positions come from a sequence, so transactions can commit out of position order.
 * {@link #read} returns only events whose writing transaction is older than the oldest one still
 * running ({@code tx < pg_snapshot_xmin(pg_current_snapshot())}): every such transaction has
 * finished, so no event can ever appear before the reader's position later. Events come in
 * (tx, position) order: a transaction's events together, in the order written.
 */
public final class EventLog {

  public static final int SCHEMA_VERSION = 1;

  /**
   * The head of a statement that records events: a SELECT of (event_id, type, aggregate_id, schema_version,
   * payload, trace_parent) follows, ordered as the events are to be read (positions are drawn in the
   * order the rows come).
   */
  public static final String INSERT = "INSERT INTO event_log (event_id, type, aggregate_id, schema_version, payload, trace_parent)";
  /** Events given as arrays: one statement however many (not one execution per event). */
  private static final String APPEND = appendFrom(1);
  private static final String READ = "SELECT position, tx, event_id, type, aggregate_id, occurred_at, schema_version, payload,"
      + " trace_parent"
      + " FROM event_log WHERE (tx, position) > ($1, $2)"
      + " AND tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
      + " ORDER BY tx, position LIMIT $3";
  /**
   * The log's highest position: one step down its primary key, whatever the log's length. (It also
   * counted the whole log once, a scan of every event each consumer's lag refresh repeated every
   * second: 25 ms of the order database's CPU per call after a few minutes of orders, growing
   * without bound.)
   */
  static final String HEAD = "SELECT COALESCE(max(position), 0) AS head FROM event_log";
  private static final String PENDING = "SELECT count(*) FROM event_log WHERE (tx, position) > ($1, $2)";

  private EventLog() {
  }

  /**
   * Records an event in the transaction {@code tx}, with the traceparent of the span current now
   * (an event-bus handler's: its duplicated context keeps it current through its callbacks).
   */
  public static Future<Void> append(SqlClient tx, String type, String aggregateId, JsonObject payload) {
    return append(tx, type, aggregateId, payload, Tracing.traceParent());
  }

  /**
   * Records an event in the transaction {@code tx}; its consumers continue the trace of
   * {@code traceParent} (null: none). For work that runs apart from the request it belongs to: a
   * saga step, the courier.
   */
  public static Future<Void> append(SqlClient tx, String type, String aggregateId, JsonObject payload, String traceParent) {
    return appendAll(tx, List.of(new NewEvent(type, aggregateId, payload, traceParent)));
  }

  /** An event to record: its type, aggregate, payload and the traceparent its consumers continue (null: none). */
  public record NewEvent(String type, String aggregateId, JsonObject payload, String traceParent) {
  }

  /** Records the events in the transaction {@code tx}, in order, in one statement (none: nothing sent). */
  public static Future<Void> appendAll(SqlClient tx, List<NewEvent> events) {
    if (events.isEmpty()) {
      return Future.succeededFuture();
    }
    return tx.preparedQuery(APPEND).execute(addArrays(Tuple.tuple(), events)).mapEmpty();
  }

  /**
   * The statement that records events given as five arrays, parameters {@code $first} to
   * {@code $first + 4} ({@link #addArrays}), in their order: the end of a caller's statement whose
   * {@code WITH} clauses write its own rows first, so that both take one execution.
   */
  public static String appendFrom(int first) {
    String p = "$" + first + "::uuid[], $" + (first + 1) + "::text[], $" + (first + 2) + "::text[], $" + (first + 3)
        + "::text[], $" + (first + 4) + "::text[]";
    return INSERT + " SELECT e.event_id, e.type, e.aggregate_id, " + SCHEMA_VERSION + ", e.payload::jsonb, e.trace_parent"
        + " FROM unnest(" + p + ") WITH ORDINALITY AS e(event_id, type, aggregate_id, payload, trace_parent, n) ORDER BY e.n";
  }

  /** Adds the events, as the five arrays of {@link #appendFrom} (each with a new event id), to {@code params}. */
  public static Tuple addArrays(Tuple params, List<NewEvent> events) {
    int n = events.size();
    UUID[] ids = new UUID[n];
    String[] types = new String[n];
    String[] aggregates = new String[n];
    String[] payloads = new String[n];
    String[] traceParents = new String[n];
    for (int i = 0; i < n; i++) {
      NewEvent e = events.get(i);
      ids[i] = UUID.randomUUID();
      types[i] = e.type();
      aggregates[i] = e.aggregateId();
      payloads[i] = e.payload().encode();
      traceParents[i] = e.traceParent();
    }
    return params.addArrayOfUUID(ids).addArrayOfString(types).addArrayOfString(aggregates).addArrayOfString(payloads)
        .addArrayOfString(traceParents);
  }

  /** Up to {@code limit} events after (tx, position), only from transactions that can no longer change. */
  public static Future<List<Event>> read(SqlClient client, long afterTx, long afterPosition, int limit) {
    return client.preparedQuery(READ).execute(Tuple.of(afterTx, afterPosition, limit)).map(rows -> {
      List<Event> out = new ArrayList<>(rows.size());
      for (Row r : rows) {
        Object payload = r.getValue("payload");
        out.add(new Event(r.getLong("position"), r.getLong("tx"), r.getUUID("event_id"), r.getString("type"),
            r.getString("aggregate_id"), r.getOffsetDateTime("occurred_at"), r.getInteger("schema_version"),
            payload instanceof JsonObject o ? o : new JsonObject(String.valueOf(payload)), r.getString("trace_parent")));
      }
      return out;
    });
  }

  /** The log's highest position; with a position, how many events lie after it. */
  public static Future<JsonObject> head(SqlClient client, Long afterTx, Long afterPosition) {
    Future<JsonObject> head = client.query(HEAD).execute().map(rows -> {
      Row r = rows.iterator().next();
      return new JsonObject().put("head", r.getLong("head"));
    });
    if (afterTx == null || afterPosition == null) {
      return head;
    }
    return head.compose(h -> client.preparedQuery(PENDING).execute(Tuple.of(afterTx, afterPosition))
        .map(rows -> h.put("pending", rows.iterator().next().getLong(0))));
  }

  /**
   * The reply to a read of the log, {@code {events: [...]}}: the JSON array of the events on the
   * wire, the events themselves to a reader in this JVM ({@link EventBatch}).
   */
  public static JsonObject reply(List<Event> events) {
    return new JsonObject().put("events", new EventBatch(events));
  }

  /** The events of a reply to a read of the log ({@link #reply}), from this JVM or from the wire. */
  public static List<Event> events(JsonObject reply) {
    JsonArray events = reply.getJsonArray("events");
    if (events.getList() instanceof EventBatch batch) {
      return batch.events();
    }
    List<Event> out = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      out.add(Event.fromJson(events.getJsonObject(i)));
    }
    return out;
  }
}
