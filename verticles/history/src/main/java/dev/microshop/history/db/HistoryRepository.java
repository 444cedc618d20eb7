package dev.microshop.history.db;

import dev.microshop.common.eventlog.Event;
import dev.microshop.common.json.Money;
import dev.microshop.order.api.OrderEvent;
import dev.microshop.shipping.api.Shipment;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.IntFunction;

/** The order-history view: written only by events, read by customers. */
public final class HistoryRepository {

  // a batch's orders in one statement, each once (ON CONFLICT may not touch a row twice): as its last event
  // left it, placed at its first event's time when the batch is what inserts it
  private static final String UPSERT_ORDERS = "INSERT INTO history_order (order_id, customer_id, status, lines, total_cents,"
      + " reason, placed_at, updated_at, address)"
      + " SELECT o, c, s, l::jsonb, t, r, p, u, a::jsonb"
      + " FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::timestamptz[],"
      + " $8::timestamptz[], $9::text[]) AS b (o, c, s, l, t, r, p, u, a)"
      + " ON CONFLICT (order_id) DO UPDATE SET status = EXCLUDED.status, lines = EXCLUDED.lines,"
      + " total_cents = EXCLUDED.total_cents, reason = EXCLUDED.reason, updated_at = EXCLUDED.updated_at,"
      + " address = EXCLUDED.address";
  private static final String ADD_MILESTONES = "INSERT INTO history_timeline (event_id, order_id, milestone, reason, at, position)"
      + " SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[], $6::bigint[])"
      + " ON CONFLICT (event_id) DO NOTHING";
  private static final String UPSERT_SHIPMENTS = "INSERT INTO history_shipment (order_id, shipment_id, status, tracking_number,"
      + " shipped_at, delivered_at, updated_at)"
      + " SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[],"
      + " $7::timestamptz[])"
      + " ON CONFLICT (order_id) DO UPDATE SET status = EXCLUDED.status, tracking_number = EXCLUDED.tracking_number,"
      + " shipped_at = EXCLUDED.shipped_at, delivered_at = EXCLUDED.delivered_at, updated_at = EXCLUDED.updated_at";
  // one statement per filter, not "$1 IS NULL OR customer_id = $1": the pools plan statements once, for any
  // parameters (Database), and such a plan could not use the customer's index
  private static final String ORDERS = "SELECT order_id, customer_id, status, lines, total_cents, reason, placed_at, updated_at,"
      + " address FROM history_order";
  private static final String ALL_ORDERS = ORDERS + " ORDER BY placed_at DESC, order_id LIMIT $1";
  private static final String CUSTOMER_ORDERS = ORDERS + " WHERE customer_id = $1 ORDER BY placed_at DESC, order_id LIMIT $2";
  private static final String TIMELINES = "SELECT order_id, milestone, reason, at FROM history_timeline"
      + " WHERE order_id = ANY($1) ORDER BY at, position";
  private static final String SHIPMENTS = "SELECT order_id, shipment_id, status, tracking_number, shipped_at, delivered_at"
      + " FROM history_shipment WHERE order_id = ANY($1)";
  private static final String RESET = "TRUNCATE history_order, history_timeline, history_shipment";

  /**
   * A batch of order events, in log order, in two statements: each order's row as its last event left it
   * (placed at its first event's time when new), and a timeline entry per event: the view that applying
   * the events one by one would leave, whatever the batches.
   */
  public Future<Void> applyOrderEvents(SqlClient tx, List<Event> events) {
    List<OrderEvent> payloads = events.stream().map(e -> OrderEvent.fromJson(e.payload())).toList();
    Collection<Latest<OrderEvent>> orders = latest(events, payloads, OrderEvent::orderId);
    return tx.preparedQuery(UPSERT_ORDERS).execute(Tuple.tuple()
            .addValue(column(orders, l -> l.state().orderId(), UUID[]::new))
            .addValue(column(orders, l -> l.state().customerId(), UUID[]::new))
            .addValue(column(orders, l -> l.state().status().name(), String[]::new))
            .addValue(column(orders, l -> l.state().lines().encode(), String[]::new))
            .addValue(column(orders, l -> l.state().totalCents(), Long[]::new))
            .addValue(column(orders, l -> l.state().reason(), String[]::new))
            .addValue(column(orders, Latest::firstAt, OffsetDateTime[]::new))
            .addValue(column(orders, Latest::lastAt, OffsetDateTime[]::new))
            .addValue(column(orders, l -> l.state().address() == null ? null : l.state().address().encode(), String[]::new)))
        .compose(v -> tx.preparedQuery(ADD_MILESTONES).execute(Tuple.tuple()
            .addValue(column(events, Event::id, UUID[]::new))
            .addValue(column(payloads, OrderEvent::orderId, UUID[]::new))
            .addValue(column(payloads, o -> o.milestone().name(), String[]::new))
            .addValue(column(payloads, OrderEvent::milestoneReason, String[]::new))
            .addValue(column(events, Event::occurredAt, OffsetDateTime[]::new))
            .addValue(column(events, Event::position, Long[]::new))))
        .mapEmpty();
  }

  /** A batch of shipping events in one statement: each shipment as its last event left it. */
  public Future<Void> applyShipmentEvents(SqlClient tx, List<Event> events) {
    Collection<Latest<Shipment>> shipments =
        latest(events, events.stream().map(e -> Shipment.fromJson(e.payload())).toList(), Shipment::orderId);
    return tx.preparedQuery(UPSERT_SHIPMENTS).execute(Tuple.tuple()
            .addValue(column(shipments, l -> l.state().orderId(), UUID[]::new))
            .addValue(column(shipments, l -> l.state().shipmentId(), UUID[]::new))
            .addValue(column(shipments, l -> l.state().status().name(), String[]::new))
            .addValue(column(shipments, l -> l.state().trackingNumber(), String[]::new))
            .addValue(column(shipments, l -> time(l.state().shippedAt()), OffsetDateTime[]::new))
            .addValue(column(shipments, l -> time(l.state().deliveredAt()), OffsetDateTime[]::new))
            .addValue(column(shipments, Latest::lastAt, OffsetDateTime[]::new)))
        .mapEmpty();
  }

  /** What a batch's events left of one order (or shipment): its last state, and its first and last events' times. */
  private record Latest<T>(T state, OffsetDateTime firstAt, OffsetDateTime lastAt) {
  }

  /** Each order's (by {@code orderId}) latest state, in the order of its first event; {@code states} are the events' payloads. */
  private static <T> Collection<Latest<T>> latest(List<Event> events, List<T> states, Function<T, UUID> orderId) {
    Map<UUID, Latest<T>> latest = new LinkedHashMap<>();
    for (int i = 0; i < events.size(); i++) {
      OffsetDateTime at = events.get(i).occurredAt();
      latest.merge(orderId.apply(states.get(i)), new Latest<>(states.get(i), at, at),
          (before, now) -> new Latest<>(now.state(), before.firstAt(), now.lastAt()));
    }
    return latest.values();
  }

  /** One column of a multi-row statement, as the array {@code unnest} takes. */
  private static <R, T> T[] column(Collection<R> rows, Function<R, T> value, IntFunction<T[]> array) {
    return rows.stream().map(value).toArray(array);
  }

  /** Empties the view (run with the reset of the consumer positions, in one transaction). */
  public Future<Void> reset(SqlClient tx) {
    return tx.query(RESET).execute().mapEmpty();
  }

  /** Orders with their timelines and shipments; all of them when {@code customerId} is null. */
  public Future<JsonArray> orders(SqlClient client, UUID customerId, int limit) {
    return page(client, customerId, limit)
        .compose(views -> withTimelines(client, views))
        .compose(views -> withShipments(client, views))
        .map(views -> new JsonArray(new ArrayList<>(views.values())));
  }

  /** The page of orders, newest first, each as its view (with an empty timeline), by order id. */
  private static Future<Map<UUID, JsonObject>> page(SqlClient client, UUID customerId, int limit) {
    Future<RowSet<Row>> found = customerId == null ? client.preparedQuery(ALL_ORDERS).execute(Tuple.of(limit))
        : client.preparedQuery(CUSTOMER_ORDERS).execute(Tuple.of(customerId, limit));
    return found.map(rows -> {
      Map<UUID, JsonObject> views = new LinkedHashMap<>();
      for (Row r : rows) {
        views.put(r.getUUID("order_id"), view(r));
      }
      return views;
    });
  }

  /** Adds each order's milestones to its timeline; no query for an empty page. */
  private static Future<Map<UUID, JsonObject>> withTimelines(SqlClient client, Map<UUID, JsonObject> views) {
    if (views.isEmpty()) {
      return Future.succeededFuture(views);
    }
    return client.preparedQuery(TIMELINES).execute(Tuple.of(ids(views))).map(timeline -> {
      for (Row t : timeline) {
        views.get(t.getUUID("order_id")).getJsonArray("timeline").add(milestone(t));
      }
      return views;
    });
  }

  /** Adds each order's shipment, where it has one; no query for an empty page. */
  private static Future<Map<UUID, JsonObject>> withShipments(SqlClient client, Map<UUID, JsonObject> views) {
    if (views.isEmpty()) {
      return Future.succeededFuture(views);
    }
    return client.preparedQuery(SHIPMENTS).execute(Tuple.of(ids(views))).map(shipments -> {
      for (Row s : shipments) {
        views.get(s.getUUID("order_id")).put("shipment", shipment(s));
      }
      return views;
    });
  }

  private static UUID[] ids(Map<UUID, JsonObject> views) {
    return views.keySet().toArray(UUID[]::new);
  }

  private static JsonObject milestone(Row t) {
    JsonObject entry = new JsonObject().put("event", t.getString("milestone")).put("at", t.getOffsetDateTime("at").toString());
    if (t.getString("reason") != null) {
      entry.put("reason", t.getString("reason"));
    }
    return entry;
  }

  private static JsonObject shipment(Row s) {
    JsonObject shipment = new JsonObject().put("shipmentId", s.getUUID("shipment_id").toString())
        .put("status", s.getString("status"));
    if (s.getString("tracking_number") != null) {
      shipment.put("trackingNumber", s.getString("tracking_number"));
    }
    if (s.getOffsetDateTime("shipped_at") != null) {
      shipment.put("shippedAt", s.getOffsetDateTime("shipped_at").toString());
    }
    if (s.getOffsetDateTime("delivered_at") != null) {
      shipment.put("deliveredAt", s.getOffsetDateTime("delivered_at").toString());
    }
    return shipment;
  }

  private static JsonObject view(Row r) {
    JsonArray lines = new JsonArray();
    Object raw = r.getValue("lines");
    for (Object o : raw instanceof JsonArray a ? a : new JsonArray(String.valueOf(raw))) {
      JsonObject line = ((JsonObject) o).copy();
      if (line.getLong("priceCents") != null) {
        line.put("price", Money.format(line.getLong("priceCents")));
      }
      lines.add(line);
    }
    JsonObject v = new JsonObject()
        .put("orderId", r.getUUID("order_id").toString())
        .put("customerId", r.getUUID("customer_id").toString())
        .put("status", r.getString("status"))
        .put("lines", lines)
        .put("placedAt", r.getOffsetDateTime("placed_at").toString())
        .put("updatedAt", r.getOffsetDateTime("updated_at").toString())
        .put("timeline", new JsonArray());
    if (r.getLong("total_cents") != null) {
      v.put("total", Money.format(r.getLong("total_cents"))).put("totalCents", r.getLong("total_cents"));
    }
    if (r.getString("reason") != null) {
      v.put("reason", r.getString("reason"));
    }
    Object address = r.getValue("address");
    if (address != null) {
      v.put("address", address instanceof JsonObject a ? a : new JsonObject(String.valueOf(address)));
    }
    return v;
  }

  private static OffsetDateTime time(String iso) {
    return iso == null ? null : java.time.OffsetDateTime.parse(iso);
  }
}
