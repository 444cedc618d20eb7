package dev.microshop.history.db;

import dev.microshop.common.eventlog.Event;
import dev.microshop.common.json.Money;
import dev.microshop.order.api.OrderEvent;
import dev.microshop.shipping.api.Shipment;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

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
  private static final String ORDERS = "SELECT order_id, customer_id, status, lines, total_cents, reason, placed_at, updated_at,"
      + " address"
      + " FROM history_order WHERE $1::uuid IS NULL OR customer_id = $1 ORDER BY placed_at DESC, order_id LIMIT $2";
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
    Map<UUID, OrderEvent> last = new LinkedHashMap<>();
    Map<UUID, OffsetDateTime> first = new HashMap<>();
    Map<UUID, OffsetDateTime> lastAt = new HashMap<>();
    int n = events.size();
    UUID[] eventIds = new UUID[n];
    UUID[] orderIds = new UUID[n];
    String[] milestones = new String[n];
    String[] reasons = new String[n];
    OffsetDateTime[] at = new OffsetDateTime[n];
    Long[] positions = new Long[n];
    for (int i = 0; i < n; i++) {
      Event e = events.get(i);
      OrderEvent o = OrderEvent.fromJson(e.payload());
      last.put(o.orderId(), o);
      first.putIfAbsent(o.orderId(), e.occurredAt());
      lastAt.put(o.orderId(), e.occurredAt());
      eventIds[i] = e.id();
      orderIds[i] = o.orderId();
      milestones[i] = o.milestone().name();
      reasons[i] = o.milestoneReason();
      at[i] = e.occurredAt();
      positions[i] = e.position();
    }
    int m = last.size();
    UUID[] ids = new UUID[m];
    UUID[] customers = new UUID[m];
    String[] statuses = new String[m];
    String[] lines = new String[m];
    Long[] totals = new Long[m];
    String[] why = new String[m];
    OffsetDateTime[] placed = new OffsetDateTime[m];
    OffsetDateTime[] updated = new OffsetDateTime[m];
    String[] addresses = new String[m];
    int i = 0;
    for (OrderEvent o : last.values()) {
      ids[i] = o.orderId();
      customers[i] = o.customerId();
      statuses[i] = o.status().name();
      lines[i] = o.lines().encode();
      totals[i] = o.totalCents();
      why[i] = o.reason();
      placed[i] = first.get(o.orderId());
      updated[i] = lastAt.get(o.orderId());
      addresses[i] = o.address() == null ? null : o.address().encode();
      i++;
    }
    return tx.preparedQuery(UPSERT_ORDERS).execute(Tuple.tuple().addValue(ids).addValue(customers).addValue(statuses)
            .addValue(lines).addValue(totals).addValue(why).addValue(placed).addValue(updated).addValue(addresses))
        .compose(v -> tx.preparedQuery(ADD_MILESTONES).execute(Tuple.tuple().addValue(eventIds).addValue(orderIds)
            .addValue(milestones).addValue(reasons).addValue(at).addValue(positions)))
        .mapEmpty();
  }

  /** A batch of shipping events in one statement: each shipment as its last event left it. */
  public Future<Void> applyShipmentEvents(SqlClient tx, List<Event> events) {
    Map<UUID, Shipment> last = new LinkedHashMap<>();
    Map<UUID, OffsetDateTime> lastAt = new HashMap<>();
    for (Event e : events) {
      Shipment s = Shipment.fromJson(e.payload());
      last.put(s.orderId(), s);
      lastAt.put(s.orderId(), e.occurredAt());
    }
    int m = last.size();
    UUID[] orders = new UUID[m];
    UUID[] shipments = new UUID[m];
    String[] statuses = new String[m];
    String[] tracking = new String[m];
    OffsetDateTime[] shipped = new OffsetDateTime[m];
    OffsetDateTime[] delivered = new OffsetDateTime[m];
    OffsetDateTime[] updated = new OffsetDateTime[m];
    int i = 0;
    for (Shipment s : last.values()) {
      orders[i] = s.orderId();
      shipments[i] = s.shipmentId();
      statuses[i] = s.status().name();
      tracking[i] = s.trackingNumber();
      shipped[i] = time(s.shippedAt());
      delivered[i] = time(s.deliveredAt());
      updated[i] = lastAt.get(s.orderId());
      i++;
    }
    return tx.preparedQuery(UPSERT_SHIPMENTS).execute(Tuple.tuple().addValue(orders).addValue(shipments).addValue(statuses)
            .addValue(tracking).addValue(shipped).addValue(delivered).addValue(updated))
        .mapEmpty();
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
    return client.preparedQuery(ORDERS).execute(Tuple.of(customerId, limit)).map(rows -> {
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
