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

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** The order-history view: written only by events, read by customers. */
public final class HistoryRepository {

  private static final String UPSERT_ORDER = "INSERT INTO history_order (order_id, customer_id, status, lines, total_cents,"
      + " reason, placed_at, updated_at, address) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)"
      + " ON CONFLICT (order_id) DO UPDATE SET status = EXCLUDED.status, lines = EXCLUDED.lines,"
      + " total_cents = EXCLUDED.total_cents, reason = EXCLUDED.reason, updated_at = EXCLUDED.updated_at,"
      + " address = EXCLUDED.address";
  private static final String ADD_MILESTONE = "INSERT INTO history_timeline (event_id, order_id, milestone, reason, at, position)"
      + " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING";
  private static final String UPSERT_SHIPMENT = "INSERT INTO history_shipment (order_id, shipment_id, status, tracking_number,"
      + " shipped_at, delivered_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
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

  /** An order event (its payload is the order as it became): the order's row and a timeline entry. */
  public Future<Void> applyOrderEvent(SqlClient tx, Event e) {
    OrderEvent o = OrderEvent.fromJson(e.payload());
    return tx.preparedQuery(UPSERT_ORDER).execute(Tuple.tuple()
            .addValue(o.orderId()).addValue(o.customerId())
            .addValue(o.status().name()).addValue(o.lines()).addValue(o.totalCents())
            .addValue(o.reason()).addValue(e.occurredAt()).addValue(o.address()))
        .compose(v -> tx.preparedQuery(ADD_MILESTONE).execute(Tuple.tuple().addValue(e.id())
            .addValue(o.orderId()).addValue(o.milestone().name())
            .addValue(o.milestoneReason()).addValue(e.occurredAt()).addValue(e.position())))
        .mapEmpty();
  }

  /** A shipping event (its payload is the shipment as it became). */
  public Future<Void> applyShipmentEvent(SqlClient tx, Event e) {
    Shipment s = Shipment.fromJson(e.payload());
    return tx.preparedQuery(UPSERT_SHIPMENT).execute(Tuple.tuple()
            .addValue(s.orderId()).addValue(s.shipmentId())
            .addValue(s.status().name()).addValue(s.trackingNumber())
            .addValue(time(s.shippedAt())).addValue(time(s.deliveredAt())).addValue(e.occurredAt()))
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

  private static java.time.OffsetDateTime time(String iso) {
    return iso == null ? null : java.time.OffsetDateTime.parse(iso);
  }
}
