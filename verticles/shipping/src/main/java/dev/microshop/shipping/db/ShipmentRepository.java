package dev.microshop.shipping.db;

import dev.microshop.common.eventlog.EventLog;
import dev.microshop.shipping.api.Shipment;
import dev.microshop.shipping.api.Shipment.Status;
import dev.microshop.shipping.api.ShippingAddresses;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Shipments. Every change writes its event in the same transaction. */
public final class ShipmentRepository {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String COLUMNS = "order_id, shipment_id, customer_id, status, tracking_number, created_at,"
      + " shipped_at, delivered_at, address, trace_parent";
  /** New shipments given as arrays, inserted in their order: one statement for a batch. */
  private static final String CREATE_ALL = "INSERT INTO shipment (order_id, shipment_id, customer_id, status, created_at,"
      + " next_step_at, address, trace_parent)"
      + " SELECT s.order_id, s.shipment_id, s.customer_id, '" + Status.PREPARING + "', s.created_at,"
      + " now() + $6 * interval '1 millisecond', s.address::jsonb, s.trace_parent"
      + " FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[], $5::text[], $7::text[]) WITH ORDINALITY"
      + " AS s(order_id, shipment_id, customer_id, created_at, address, trace_parent, n)"
      + " ORDER BY s.n ON CONFLICT (order_id) DO NOTHING RETURNING " + COLUMNS;
  private static final String GET = "SELECT " + COLUMNS + " FROM shipment WHERE order_id = $1";
  private static final String LIST = "SELECT " + COLUMNS + " FROM shipment ORDER BY created_at, order_id";
  private static final String CANCEL = "UPDATE shipment SET status = '" + Status.CANCELLED + "' WHERE order_id = $1"
      + " AND status = '" + Status.PREPARING + "' RETURNING " + COLUMNS;
  private static final String SHIPPED = "UPDATE shipment SET status = '" + Status.SHIPPED + "', tracking_number = $2, shipped_at = now(),"
      + " attempts = 0, next_step_at = now() + $3 * interval '1 millisecond' WHERE order_id = $1 AND status = '" + Status.PREPARING + "'"
      + " RETURNING " + COLUMNS;
  private static final String DELIVERED = "UPDATE shipment SET status = '" + Status.DELIVERED + "', delivered_at = now()"
      + " WHERE order_id = $1 AND status = '" + Status.SHIPPED + "' RETURNING " + COLUMNS;
  private static final String CLAIM_DUE = "UPDATE shipment SET next_step_at = now() + $2 * interval '1 millisecond'"
      + " WHERE order_id IN (SELECT order_id FROM shipment WHERE status IN ('" + Status.PREPARING + "', '" + Status.SHIPPED + "')"
      + "   AND next_step_at <= now() ORDER BY next_step_at LIMIT $1 FOR UPDATE SKIP LOCKED)"
      + " RETURNING order_id, status, trace_parent";
  private static final String RETRY = "UPDATE shipment SET attempts = attempts + 1,"
      + " next_step_at = now() + LEAST(30000, 250 * power(2, LEAST(attempts, 7))) * interval '1 millisecond'"
      + " WHERE order_id = $1";

  /**
   * A shipment for an approved order, to its delivery address (null: none), in the order's trace
   * ({@code traceParent}, null: none).
   */
  public record NewShipment(UUID orderId, UUID customerId, JsonObject address, OffsetDateTime approvedAt, String traceParent) {
  }

  /**
   * The shipments of approved orders, in two statements for all of them (the shipments, then their
   * events); nothing for an order that has one already.
   */
  public Future<Void> createAll(SqlClient tx, List<NewShipment> shipments, long prepareMs) {
    Tuple params = Tuple.tuple()
        .addArrayOfUUID(shipments.stream().map(NewShipment::orderId).toArray(UUID[]::new))
        .addArrayOfUUID(shipments.stream().map(n -> UUID.randomUUID()).toArray(UUID[]::new))
        .addArrayOfUUID(shipments.stream().map(NewShipment::customerId).toArray(UUID[]::new))
        .addArrayOfOffsetDateTime(shipments.stream().map(NewShipment::approvedAt).toArray(OffsetDateTime[]::new))
        .addArrayOfString(shipments.stream().map(n -> n.address() == null ? null : n.address().encode()).toArray(String[]::new))
        .addLong(prepareMs)
        .addArrayOfString(shipments.stream().map(NewShipment::traceParent).toArray(String[]::new));
    return tx.preparedQuery(CREATE_ALL).execute(params).compose(rows -> record(tx, rows, ShippingAddresses.SHIPMENT_CREATED));
  }

  /** A cancelled order's shipment, if it has not left yet. */
  public Future<Void> cancel(SqlClient tx, UUID orderId) {
    return tx.preparedQuery(CANCEL).execute(Tuple.of(orderId)).compose(rows -> record(tx, rows, ShippingAddresses.SHIPMENT_CANCELLED));
  }

  public Future<Void> shipped(SqlClient tx, UUID orderId, long deliveryMs) {
    return tx.preparedQuery(SHIPPED).execute(Tuple.of(orderId, trackingNumber(), deliveryMs))
        .compose(rows -> record(tx, rows, ShippingAddresses.SHIPMENT_SHIPPED));
  }

  public Future<Void> delivered(SqlClient tx, UUID orderId) {
    return tx.preparedQuery(DELIVERED).execute(Tuple.of(orderId)).compose(rows -> record(tx, rows, ShippingAddresses.SHIPMENT_DELIVERED));
  }

  /** A shipment whose next courier step is due: leave (PREPARING) or arrive (SHIPPED); its order's trace (null: none). */
  public record Due(UUID orderId, Status status, String traceParent) {
  }

  /** Leases up to {@code limit} shipments whose next courier step is due. */
  public Future<List<Due>> claimDue(SqlClient client, int limit, long leaseMs) {
    return client.preparedQuery(CLAIM_DUE).execute(Tuple.of(limit, leaseMs)).map(rows -> {
      List<Due> out = new ArrayList<>();
      rows.forEach(r -> out.add(new Due(r.getUUID("order_id"), Status.valueOf(r.getString("status")),
          r.getString("trace_parent"))));
      return out;
    });
  }

  public Future<Void> retryLater(SqlClient client, UUID orderId) {
    return client.preparedQuery(RETRY).execute(Tuple.of(orderId)).mapEmpty();
  }

  public Future<Optional<Shipment>> get(SqlClient client, UUID orderId) {
    return client.preparedQuery(GET).execute(Tuple.of(orderId))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(shipment(rows.iterator().next())));
  }

  public Future<List<Shipment>> list(SqlClient client) {
    return client.query(LIST).execute().map(rows -> {
      List<Shipment> out = new ArrayList<>();
      rows.forEach(r -> out.add(shipment(r)));
      return out;
    });
  }

  /** The events of the shipments {@code changed} (none: nothing sent), each in its own trace. */
  private static Future<Void> record(SqlClient tx, RowSet<Row> changed, String type) {
    List<EventLog.NewEvent> events = new ArrayList<>(changed.size());
    for (Row row : changed) {
      Shipment shipment = shipment(row);
      events.add(new EventLog.NewEvent(type, shipment.orderId().toString(), shipment.toJson(), row.getString("trace_parent")));
    }
    return EventLog.appendAll(tx, events);
  }

  private static Shipment shipment(Row r) {
    return new Shipment(r.getUUID("order_id"), r.getUUID("shipment_id"), r.getUUID("customer_id"),
        Status.valueOf(r.getString("status")), r.getOffsetDateTime("created_at").toString(), r.getString("tracking_number"),
        text(r.getOffsetDateTime("shipped_at")), text(r.getOffsetDateTime("delivered_at")), address(r.getValue("address")));
  }

  private static JsonObject address(Object value) {
    return value == null ? null : value instanceof JsonObject o ? o : new JsonObject(String.valueOf(value));
  }

  private static String text(OffsetDateTime time) {
    return time == null ? null : time.toString();
  }

  private static String trackingNumber() {
    StringBuilder sb = new StringBuilder("MS");
    for (int i = 0; i < 10; i++) {
      sb.append(RANDOM.nextInt(10));
    }
    return sb.toString();
  }
}
