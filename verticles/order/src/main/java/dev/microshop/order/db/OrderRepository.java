package dev.microshop.order.db;

import dev.microshop.common.eventlog.EventLog;
import dev.microshop.inventory.api.OrderLine;
import dev.microshop.order.api.Milestone;
import dev.microshop.order.api.OrderEvent;
import dev.microshop.order.api.OrderStatus;
import dev.microshop.order.api.PlaceOrder;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** Orders, their saga state and their timeline. Methods taking {@code tx} run inside a transaction. */
public final class OrderRepository {

  private static final String COLUMNS = "id, customer_id, status, saga_step, lines, total_cents, reason, attempts,"
      + " version, created_at, updated_at, delivery_address, trace_parent";
  /**
   * A placement and its milestone in one statement (so outside a transaction, one round trip): the
   * order as stored, or no row when the customer used this idempotency key before (nothing written).
   */
  private static final String INSERT = withMilestones("INSERT INTO orders (id, customer_id, idempotency_key, request_hash, status,"
      + " saga_step, lines, next_attempt_at, delivery_address, trace_parent) VALUES ($1, $2, $3, $4, '" + OrderStatus.PENDING + "', '"
      + SagaStep.RESERVE_STOCK + "', $5, now() + $6 * interval '1 millisecond', $7, $8)"
      + " ON CONFLICT (customer_id, idempotency_key) DO NOTHING RETURNING " + COLUMNS, 9, "SELECT " + COLUMNS + " FROM moved");
  private static final String BY_KEY = "SELECT id, request_hash FROM orders WHERE customer_id = $1 AND idempotency_key = $2";
  private static final String GET = "SELECT " + COLUMNS + " FROM orders WHERE id = $1";
  private static final String LOCK = GET + " FOR UPDATE";
  /**
   * The moves of several orders (as arrays, sorted by id) and their milestones in one statement: the
   * ids of the orders moved; one whose version changed meanwhile is not, and gets no milestone.
   */
  private static final String TRANSITION = withMilestones("UPDATE orders o SET status = u.status, saga_step = u.step,"
      + " lines = u.lines::jsonb, total_cents = u.total_cents, reason = u.reason, attempts = 0,"
      + " next_attempt_at = now() + $8 * interval '1 millisecond', version = o.version + 1, updated_at = now()"
      + " FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[])"
      + " AS u(id, version, status, step, lines, total_cents, reason) WHERE o.id = u.id AND o.version = u.version"
      + " RETURNING o.id", 9, "SELECT id FROM moved");
  private static final String FAILED_ATTEMPT = "UPDATE orders SET attempts = attempts + 1,"
      + " next_attempt_at = now() + $2 * interval '1 millisecond' WHERE id = $1 AND saga_step <> '" + SagaStep.DONE + "'";
  private static final String CLAIM_DUE = "UPDATE orders SET next_attempt_at = now() + $2 * interval '1 millisecond'"
      + " WHERE id IN (SELECT id FROM orders WHERE saga_step <> '" + SagaStep.DONE + "' AND next_attempt_at <= now()"
      + "   ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING id";
  private static final String UNFINISHED = "SELECT id FROM orders WHERE saga_step <> '" + SagaStep.DONE + "'";

  /**
   * A statement that writes orders ({@code write}: its rows, {@code RETURNING} their {@code id}, are
   * {@code moved}) and, for each order written, its milestones given as arrays from parameter
   * {@code $p} on (order id, number within the order's milestones of this statement, milestone,
   * reason, event id, event type, payload, traceparent): a row of its timeline each, numbered on
   * from its own, and an event each, in the order given; then {@code answer}. One statement, so it
   * needs no transaction of its own: it commits whole or not at all.
   */
  private static String withMilestones(String write, int p, String answer) {
    return "WITH moved AS (" + write + "),"
        + " milestones AS (SELECT * FROM unnest($" + p + "::uuid[], $" + (p + 1) + "::int[], $" + (p + 2) + "::text[], $" + (p + 3)
        + "::text[], $" + (p + 4) + "::uuid[], $" + (p + 5) + "::text[], $" + (p + 6) + "::text[], $" + (p + 7) + "::text[])"
        + " WITH ORDINALITY AS g(order_id, k, event, reason, event_id, type, payload, trace_parent, n)"
        + " WHERE g.order_id IN (SELECT id FROM moved)),"
        + " timeline AS (INSERT INTO order_timeline (order_id, seq, event, reason) SELECT m.order_id,"
        + " COALESCE((SELECT max(t.seq) FROM order_timeline t WHERE t.order_id = m.order_id), 0) + m.k, m.event, m.reason"
        + " FROM milestones m ORDER BY m.n),"
        + " events AS (" + EventLog.INSERT + " SELECT m.event_id, m.type, m.order_id::text, " + EventLog.SCHEMA_VERSION
        + ", m.payload::jsonb, m.trace_parent FROM milestones m ORDER BY m.n) "
        + answer;
  }
  // each approval's order found by its key (a scalar subquery per approval), not by a join whose plan, made
  // once for any window (Database), hashed the whole orders table on every dashboard sample
  private static final String RECENT = "WITH n AS (SELECT clock_timestamp() AS now),"
      + " w AS (SELECT COALESCE($1::timestamptz, n.now - interval '5 seconds') AS since, n.now AS until FROM n)"
      + " SELECT w.since, w.until, count(t.event) FILTER (WHERE t.event = 'PLACED'),"
      + " count(t.event) FILTER (WHERE t.event = 'APPROVED'), count(t.event) FILTER (WHERE t.event = 'REJECTED'),"
      + " count(t.event) FILTER (WHERE t.event = 'CANCELLED'),"
      + " percentile_cont(0.5) WITHIN GROUP (ORDER BY t.ms) FILTER (WHERE t.event = 'APPROVED'),"
      + " percentile_cont(0.99) WITHIN GROUP (ORDER BY t.ms) FILTER (WHERE t.event = 'APPROVED')"
      + " FROM w LEFT JOIN LATERAL (SELECT t.event, CASE WHEN t.event = 'APPROVED' THEN extract(epoch FROM t.at"
      + " - (SELECT o.created_at FROM orders o WHERE o.id = t.order_id)) * 1000 END AS ms FROM order_timeline t"
      + " WHERE t.at > w.since AND t.at <= w.until AND t.event IN ('PLACED', 'APPROVED', 'REJECTED', 'CANCELLED')) t ON true"
      + " GROUP BY w.since, w.until";
  private static final String TIMELINE = "SELECT event, reason, at FROM order_timeline WHERE order_id = $1 ORDER BY seq";
  // a customer's orders by a statement of their own, not "$2 IS NULL OR customer_id = $2": the pools plan
  // statements once, for any parameters (Database), and such a plan could not use the customer's index
  private static final String LISTED = "SELECT " + COLUMNS + " FROM orders WHERE ($1::text IS NULL OR status = $1)";
  private static final String PAGE = " ORDER BY created_at DESC, id LIMIT $2 OFFSET $3";
  private static final String LIST = LISTED + PAGE;
  private static final String LIST_OF_CUSTOMER = LISTED + " AND customer_id = $4" + PAGE;

  /**
   * Stores a new PENDING order and its first milestone, with the traceparent of its placement
   * ({@code traceParent}, may be null), in one statement: the order as stored; empty when the
   * customer used this idempotency key before.
   */
  public Future<Optional<Order>> insert(SqlClient client, UUID id, PlaceOrder cmd, long leaseMs, String traceParent) {
    JsonObject address = cmd.address() == null ? null : cmd.address().toJson();
    Tuple params = Tuple.of(id, cmd.customerId(), cmd.idempotencyKey(), cmd.requestHash(), OrderLine.toJson(cmd.lines()), leaseMs,
        address, traceParent);
    return client.preparedQuery(INSERT).execute(placed(id, cmd, address, traceParent).addTo(params)).map(OrderRepository::first);
  }

  private static Milestones placed(UUID id, PlaceOrder cmd, JsonObject address, String traceParent) {
    Milestones m = new Milestones();
    m.add(id, cmd.customerId(), address, traceParent, new Order.Transition(OrderStatus.PENDING, SagaStep.RESERVE_STOCK,
        OrderLine.toJson(cmd.lines()), null, null, List.of(Milestone.PLACED)));
    return m;
  }

  /** The order and request hash a customer's idempotency key stands for. */
  public Future<Optional<JsonObject>> byKey(SqlClient client, UUID customerId, String key) {
    return client.preparedQuery(BY_KEY).execute(Tuple.of(customerId, key)).map(rows -> rows.size() == 0
        ? Optional.empty()
        : Optional.of(new JsonObject().put("orderId", rows.iterator().next().getUUID("id").toString())
            .put("requestHash", rows.iterator().next().getString("request_hash"))));
  }

  public Future<Optional<Order>> get(SqlClient client, UUID id) {
    return client.preparedQuery(GET).execute(Tuple.of(id)).map(OrderRepository::first);
  }

  public Future<Optional<Order>> lock(SqlClient tx, UUID id) {
    return tx.preparedQuery(LOCK).execute(Tuple.of(id)).map(OrderRepository::first);
  }

  /** One order's move: from the state it was read in, by a transition. */
  public record Move(Order from, Order.Transition to) {
  }

  /**
   * Moves the order from the state it was read in to the next one, with its milestones; false
   * when another driver moved it meanwhile (its version changed), and nothing is written.
   */
  public Future<Boolean> transition(SqlClient tx, Order from, Order.Transition t, long leaseMs) {
    return transitionAll(tx, List.of(new Move(from, t)), leaseMs).map(moved -> moved.get(0));
  }

  /**
   * The moves of several orders, each on its own, in one statement (so it needs no transaction): true
   * for each order moved, false for one that another driver moved meanwhile (nothing written for it),
   * or that the batch moves twice (the first move only). The rows are joined to the orders in the
   * order of their ids, so two such statements never wait on each other in a cycle.
   */
  public Future<List<Boolean>> transitionAll(SqlClient client, List<Move> given, long leaseMs) {
    Set<Move> sent = Collections.newSetFromMap(new IdentityHashMap<>()); // by identity: each move once
    Set<UUID> ids = new HashSet<>();
    for (Move m : given) {
      if (ids.add(m.from().id())) {
        sent.add(m);
      }
    }
    List<Move> moves = given.stream().filter(sent::contains).sorted(Comparator.comparing(m -> m.from().id())).toList();
    int n = moves.size();
    UUID[] id = new UUID[n];
    Integer[] version = new Integer[n];
    String[] status = new String[n];
    String[] step = new String[n];
    String[] lines = new String[n];
    Long[] total = new Long[n];
    String[] reason = new String[n];
    Milestones milestones = new Milestones();
    for (int i = 0; i < n; i++) {
      Order o = moves.get(i).from();
      Order.Transition t = moves.get(i).to();
      id[i] = o.id();
      version[i] = o.version();
      status[i] = t.status().name();
      step[i] = t.step().name();
      lines[i] = t.lines() == null ? null : t.lines().encode();
      total[i] = t.totalCents();
      reason[i] = t.reason();
      milestones.add(o.id(), o.customerId(), o.address(), o.traceParent(), t);
    }
    Tuple params = Tuple.tuple().addArrayOfUUID(id).addArrayOfInteger(version).addArrayOfString(status)
        .addArrayOfString(step).addArrayOfString(lines).addArrayOfLong(total).addArrayOfString(reason).addValue(leaseMs);
    return client.preparedQuery(TRANSITION).execute(milestones.addTo(params)).map(rows -> {
      Set<UUID> moved = new HashSet<>();
      rows.forEach(r -> moved.add(r.getUUID("id")));
      return given.stream().map(m -> sent.contains(m) && moved.contains(m.from().id())).toList();
    });
  }

  /** A step failed (timeout, service down): try again after {@code backoffMs}. */
  public Future<Void> failedAttempt(SqlClient client, UUID id, long backoffMs) {
    return client.preparedQuery(FAILED_ATTEMPT).execute(Tuple.of(id, backoffMs)).mapEmpty();
  }

  /** Takes a lease on up to {@code limit} unfinished orders whose time has come. */
  public Future<List<UUID>> claimDue(SqlClient client, int limit, long leaseMs) {
    return client.preparedQuery(CLAIM_DUE).execute(Tuple.of(limit, leaseMs)).map(OrderRepository::ids);
  }

  public Future<JsonObject> countByStatus(SqlClient client) {
    return client.query("SELECT status, count(*) FROM orders GROUP BY status").execute().map(rows -> {
      JsonObject counts = new JsonObject();
      rows.forEach(r -> counts.put(r.getString(0), r.getLong(1)));
      return counts;
    });
  }

  /**
   * From {@code since} (null: 5 s ago) to now, by the database's clock: orders placed, approved,
   * rejected and cancelled, and the time from placement to approval of the approved ones (p50, p99, in
   * ms; null when none was approved). The answer's {@code until} is the next call's {@code since}:
   * consecutive calls neither miss nor count twice a milestone.
   */
  public Future<JsonObject> recent(SqlClient client, OffsetDateTime since) {
    return client.preparedQuery(RECENT).execute(Tuple.of(since)).map(rows -> {
      Row r = rows.iterator().next();
      return new JsonObject()
          .put("since", r.getOffsetDateTime(0).toInstant().toString()).put("until", r.getOffsetDateTime(1).toInstant().toString())
          .put("placed", r.getLong(2)).put("approved", r.getLong(3)).put("rejected", r.getLong(4)).put("cancelled", r.getLong(5))
          .put("approvalMs", new JsonObject().put("p50", r.getDouble(6)).put("p99", r.getDouble(7)));
    });
  }

  public Future<List<UUID>> unfinished(SqlClient client) {
    return client.query(UNFINISHED).execute().map(OrderRepository::ids);
  }

  public Future<JsonArray> timeline(SqlClient client, UUID id) {
    return client.preparedQuery(TIMELINE).execute(Tuple.of(id)).map(rows -> {
      JsonArray out = new JsonArray();
      rows.forEach(r -> {
        JsonObject e = new JsonObject().put("event", r.getString("event")).put("at", r.getOffsetDateTime("at").toString());
        if (r.getString("reason") != null) {
          e.put("reason", r.getString("reason"));
        }
        out.add(e);
      });
      return out;
    });
  }

  public Future<List<Order>> list(SqlClient client, OrderStatus status, UUID customerId, int limit, int offset) {
    Tuple params = Tuple.of(status == null ? null : status.name(), limit, offset);
    return (customerId == null ? client.preparedQuery(LIST).execute(params)
        : client.preparedQuery(LIST_OF_CUSTOMER).execute(params.addUUID(customerId))).map(rows -> {
      List<Order> out = new ArrayList<>();
      rows.forEach(r -> out.add(order(r)));
      return out;
    });
  }

  /**
   * Milestones to add to the orders' timelines and, in the same statement, to the event log
   * ({@code order.<milestone>}, e.g. {@code order.stock-reserved}) with the order as it now is, and
   * the traceparent of its placement: whichever instance moves it, and whenever, its consumers'
   * work (the shipment, the history) joins the order's trace. Written only for the orders the
   * statement moves ({@link #withMilestones}).
   */
  private static final class Milestones {
    private final List<UUID> orders = new ArrayList<>();
    private final List<Integer> numbers = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private final List<String> reasons = new ArrayList<>();
    private final List<String> types = new ArrayList<>();
    private final List<String> payloads = new ArrayList<>();
    private final List<String> traceParents = new ArrayList<>();

    void add(UUID id, UUID customerId, JsonObject address, String traceParent, Order.Transition t) {
      add(id, customerId, address, traceParent, t, 0);
    }

    /** Adds {@code t}'s milestones (those of the state it passed through first) after the order's {@code k} first; the last number. */
    private int add(UUID id, UUID customerId, JsonObject address, String traceParent, Order.Transition t, int k) {
      if (t.via() != null) {
        k = add(id, customerId, address, traceParent, t.via(), k);
      }
      for (Milestone milestone : t.events()) {
        String why = milestone.withReason() ? t.reason() : null;
        OrderEvent event = new OrderEvent(id, customerId, t.status(), t.lines(), t.totalCents(), t.reason(), milestone, why,
            address);
        orders.add(id);
        numbers.add(++k);
        names.add(milestone.name());
        reasons.add(why);
        types.add(milestone.eventType());
        payloads.add(event.toJson().encode());
        traceParents.add(traceParent);
      }
      return k;
    }

    /** The milestones as {@link #withMilestones}' parameters, after {@code params}'. */
    Tuple addTo(Tuple params) {
      return params.addArrayOfUUID(orders.toArray(UUID[]::new)).addArrayOfInteger(numbers.toArray(Integer[]::new))
          .addArrayOfString(names.toArray(String[]::new)).addArrayOfString(reasons.toArray(String[]::new))
          .addArrayOfUUID(orders.stream().map(o -> UUID.randomUUID()).toArray(UUID[]::new))
          .addArrayOfString(types.toArray(String[]::new)).addArrayOfString(payloads.toArray(String[]::new))
          .addArrayOfString(traceParents.toArray(String[]::new));
    }
  }

  private static List<UUID> ids(RowSet<Row> rows) {
    List<UUID> out = new ArrayList<>();
    rows.forEach(r -> out.add(r.getUUID("id")));
    return out;
  }

  private static Optional<Order> first(RowSet<Row> rows) {
    return rows.size() == 0 ? Optional.empty() : Optional.of(order(rows.iterator().next()));
  }

  private static Order order(Row r) {
    Object lines = r.getValue("lines");
    return new Order(r.getUUID("id"), r.getUUID("customer_id"), OrderStatus.valueOf(r.getString("status")),
        SagaStep.valueOf(r.getString("saga_step")),
        lines instanceof JsonArray a ? a : new JsonArray(String.valueOf(lines)), r.getLong("total_cents"),
        r.getString("reason"), r.getInteger("attempts"), r.getInteger("version"),
        r.getOffsetDateTime("created_at"), r.getOffsetDateTime("updated_at"), jsonObject(r.getValue("delivery_address")),
        r.getString("trace_parent"));
  }

  private static JsonObject jsonObject(Object value) {
    return value == null ? null : value instanceof JsonObject o ? o : new JsonObject(String.valueOf(value));
  }
}
