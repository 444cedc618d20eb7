package dev.microshop.customer.db;

import dev.microshop.common.batch.ClaimedBatch;
import dev.microshop.common.eventlog.EventLog;
import dev.microshop.common.failure.ServiceException;
import dev.microshop.common.json.Money;
import dev.microshop.common.tracing.Tracing;
import dev.microshop.customer.api.CreditReservation;
import dev.microshop.customer.api.CreditReservation.Status;
import dev.microshop.customer.api.ReserveCredit;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.StreamSupport;
import java.util.UUID;

/** Customers and their credit reservations. Methods taking {@code tx} run inside one transaction. */
public final class CustomerRepository {

  /** A stored customer (with its password hash: never leaves this service). */
  public record Customer(UUID id, String name, String email, String passwordHash, String role, long creditLimitCents) {
  }

  private static final String CUSTOMER_COLUMNS = "id, name, email, password_hash, role, credit_limit_cents";
  private static final String INSERT = "INSERT INTO customer (" + CUSTOMER_COLUMNS + ") VALUES ($1, $2, $3, $4, $5, $6)";
  private static final String BY_EMAIL = "SELECT " + CUSTOMER_COLUMNS + " FROM customer WHERE lower(email) = lower($1)";
  private static final String BY_ID = "SELECT " + CUSTOMER_COLUMNS + " FROM customer WHERE id = $1";
  private static final String LOCK = BY_ID + " FOR UPDATE";
  private static final String LOCK_ALL = "SELECT id, credit_limit_cents, reserved_cents FROM customer"
      + " WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE";
  /** What the customer's orders hold: a trigger of credit_reservation keeps it in step with every reservation. */
  private static final String RESERVED = "SELECT reserved_cents FROM customer WHERE id = $1";
  private static final String SET_LIMIT = "UPDATE customer SET credit_limit_cents = $2 WHERE id = $1";
  private static final String CLAIM = "INSERT INTO credit_reservation (order_id, customer_id, amount_cents, status)"
      + " VALUES ($1, $2, $3, $4) ON CONFLICT (order_id) DO NOTHING RETURNING order_id";
  /** The claims of a batch ({@link ClaimedBatch}): the orders' ids, customers and amounts as arrays. */
  private static final String CLAIM_ALL = "INSERT INTO credit_reservation (order_id, customer_id, amount_cents, status)"
      + " SELECT c.order_id, c.customer_id, c.amount_cents, 'PENDING'"
      + " FROM unnest($1::text[], $2::uuid[], $3::bigint[]) WITH ORDINALITY AS c(order_id, customer_id, amount_cents, n)"
      + " ORDER BY c.n ON CONFLICT (order_id) DO NOTHING RETURNING order_id";
  /** The claimed orders' outcomes, given as arrays, and their events: one statement for the batch. */
  private static final String DECIDE_ALL = "WITH decided AS (UPDATE credit_reservation r SET status = d.status,"
      + " reason = d.reason, updated_at = now() FROM unnest($1::text[], $2::text[], $3::text[]) AS d(order_id, status, reason)"
      + " WHERE r.order_id = d.order_id) " + EventLog.appendFrom(4);
  private static final String RESERVATION = "SELECT order_id, status, amount_cents, reason FROM credit_reservation";
  private static final String GET_RESERVATION = RESERVATION + " WHERE order_id = $1";
  private static final String GET_RESERVATIONS = RESERVATION + " WHERE order_id = ANY($1::text[])";
  private static final String RELEASE = "UPDATE credit_reservation SET status = 'RELEASED', updated_at = now()"
      + " WHERE order_id = $1 AND status = 'RESERVED'";
  private static final String REPORT = "SELECT c.id, c.credit_limit_cents, c.reserved_cents, COALESCE(sum(r.amount_cents)"
      + " FILTER (WHERE r.status = 'RESERVED'), 0) AS by_reservations FROM customer c"
      + " LEFT JOIN credit_reservation r ON r.customer_id = c.id GROUP BY c.id ORDER BY c.id";

  /** Inserts a customer; 409 when the email is taken (whatever its case). */
  public Future<Customer> insert(SqlClient client, Customer c) {
    return client.preparedQuery(INSERT)
        .execute(Tuple.of(c.id(), c.name(), c.email(), c.passwordHash(), c.role(), c.creditLimitCents()))
        .map(v -> c)
        .recover(t -> Future.failedFuture(t instanceof PgException pg && "23505".equals(pg.getSqlState())
            ? ServiceException.conflict("this email is already registered") : t));
  }

  public Future<Optional<Customer>> byEmail(SqlClient client, String email) {
    return client.preparedQuery(BY_EMAIL).execute(Tuple.of(email)).map(CustomerRepository::customer);
  }

  public Future<Optional<Customer>> byId(SqlClient client, UUID id) {
    return client.preparedQuery(BY_ID).execute(Tuple.of(id)).map(CustomerRepository::customer);
  }

  /** The credit the customer's orders hold (0 for an unknown customer). */
  public Future<Long> reservedCents(SqlClient client, UUID customerId) {
    return client.preparedQuery(RESERVED).execute(Tuple.of(customerId))
        .map(rows -> rows.size() == 0 ? 0L : rows.iterator().next().getLong(0));
  }

  /** Changes a credit limit, never below what is reserved now (409). */
  public Future<Void> setCreditLimit(SqlClient tx, UUID customerId, long limitCents) {
    return tx.preparedQuery(LOCK).execute(Tuple.of(customerId))
        .compose(rows -> customer(rows).map(Future::succeededFuture)
            .orElseGet(() -> Future.failedFuture(ServiceException.notFound("no customer " + customerId))))
        .compose(c -> reservedCents(tx, customerId))
        .compose(reserved -> reserved > limitCents
            ? Future.failedFuture(ServiceException.conflict("the credit limit cannot go below the reserved credit ("
                + Money.format(reserved) + ")"))
            : tx.preparedQuery(SET_LIMIT).execute(Tuple.of(customerId, limitCents)).mapEmpty());
  }

  /**
   * Holds credit for each order once, in this transaction, each on its own: an order asked before
   * gets its first outcome again; another is held, or rejected alone (unknown customer, not enough
   * credit). The claims of the order ids come first (duplicates queue behind them), then the
   * customers' rows are locked, so the check of the available credit and the hold are one step for
   * every order of a customer; both in one order whatever the batch, so two batches never wait on
   * each other in a cycle. One answer per command, in order.
   */
  public Future<List<CreditReservation>> reserveAll(SqlClient tx, List<ReserveCredit> commands) {
    return ClaimedBatch.apply(tx, commands, ReserveCredit::orderId, CLAIM_ALL, cs -> Tuple.tuple()
            .addArrayOfString(cs.stream().map(ReserveCredit::orderId).toArray(String[]::new))
            .addArrayOfUUID(cs.stream().map(ReserveCredit::customerId).toArray(UUID[]::new))
            .addArrayOfLong(cs.stream().map(ReserveCredit::amountCents).toArray(Long[]::new)),
        claimed -> decideAll(tx, claimed), earlier -> existingAll(tx, earlier), CreditReservation::orderId);
  }

  /** Decides the claimed orders in turn against the locked customers' credit, then writes it all. */
  private Future<List<CreditReservation>> decideAll(SqlClient tx, List<ReserveCredit> claimed) {
    UUID[] ids = claimed.stream().map(ReserveCredit::customerId).distinct().sorted().toArray(UUID[]::new);
    Map<UUID, Long> limits = new HashMap<>();
    Map<UUID, Long> held = new HashMap<>();
    return tx.preparedQuery(LOCK_ALL).execute(Tuple.tuple().addArrayOfUUID(ids))
        .compose(rows -> {
          rows.forEach(c -> {
            limits.put(c.getUUID("id"), c.getLong("credit_limit_cents"));
            held.put(c.getUUID("id"), c.getLong("reserved_cents"));
          });
          List<CreditReservation> decided = new ArrayList<>();
          for (ReserveCredit cmd : claimed) {
            Long limit = limits.get(cmd.customerId());
            long reserved = held.getOrDefault(cmd.customerId(), 0L);
            if (limit == null) {
              decided.add(new CreditReservation(cmd.orderId(), Status.REJECTED, cmd.amountCents(), "unknown customer"));
            } else if (reserved + cmd.amountCents() > limit) {
              decided.add(new CreditReservation(cmd.orderId(), Status.REJECTED, cmd.amountCents(), "insufficient credit: "
                  + Money.format(cmd.amountCents()) + " needed, " + Money.format(Math.max(0, limit - reserved)) + " available"));
            } else {
              held.put(cmd.customerId(), reserved + cmd.amountCents());
              decided.add(new CreditReservation(cmd.orderId(), Status.RESERVED, cmd.amountCents(), null));
            }
          }
          String traceParent = Tracing.traceParent();
          List<EventLog.NewEvent> events = new ArrayList<>();
          for (int i = 0; i < decided.size(); i++) {
            CreditReservation d = decided.get(i);
            events.add(new EventLog.NewEvent(d.status().eventType(), d.orderId(),
                d.toJson().put("customerId", claimed.get(i).customerId().toString()), traceParent));
          }
          // one statement: the customers stay locked for one round trip after the lock's
          Tuple outcomes = Tuple.tuple()
              .addArrayOfString(decided.stream().map(CreditReservation::orderId).toArray(String[]::new))
              .addArrayOfString(decided.stream().map(d -> d.status().name()).toArray(String[]::new))
              .addArrayOfString(decided.stream().map(CreditReservation::reason).toArray(String[]::new));
          return tx.preparedQuery(DECIDE_ALL).execute(EventLog.addArrays(outcomes, events)).map(decided);
        });
  }

  /** Gives an order's credit back; first of all for this order: a tombstone. */
  public Future<CreditReservation> release(SqlClient tx, String orderId) {
    return tx.preparedQuery(CLAIM).execute(Tuple.of(orderId, null, 0L, Status.RELEASED.name()))
        .compose(tombstone -> tombstone.size() == 1
            ? Future.succeededFuture(new CreditReservation(orderId, Status.RELEASED, 0, null))
            : tx.preparedQuery(RELEASE).execute(Tuple.of(orderId)).compose(released -> existing(tx, orderId)
                .compose(r -> released.rowCount() == 0 ? Future.succeededFuture(r)
                    : EventLog.append(tx, Status.RELEASED.eventType(), orderId, r.toJson()).map(v -> r))));
  }

  private Future<CreditReservation> existing(SqlClient tx, String orderId) {
    return tx.preparedQuery(GET_RESERVATION).execute(Tuple.of(orderId)).map(rows -> reservation(rows.iterator().next()));
  }

  private Future<List<CreditReservation>> existingAll(SqlClient tx, List<String> orderIds) {
    return tx.preparedQuery(GET_RESERVATIONS).execute(Tuple.tuple().addArrayOfString(orderIds.toArray(String[]::new)))
        .map(rows -> StreamSupport.stream(rows.spliterator(), false).map(CustomerRepository::reservation).toList());
  }

  private static CreditReservation reservation(Row r) {
    return new CreditReservation(r.getString("order_id"), Status.valueOf(r.getString("status")), r.getLong("amount_cents"),
        r.getString("reason"));
  }

  public Future<JsonArray> creditReport(SqlClient client) {
    return client.query(REPORT).execute().map(rows -> {
      JsonArray out = new JsonArray();
      rows.forEach(r -> out.add(new JsonObject().put("customerId", r.getUUID("id").toString())
          .put("creditLimitCents", r.getLong("credit_limit_cents")).put("reservedCents", r.getLong("reserved_cents"))
          .put("reservedByReservationsCents", r.getLong("by_reservations"))));
      return out;
    });
  }

  private static Optional<Customer> customer(RowSet<Row> rows) {
    if (rows.size() == 0) {
      return Optional.empty();
    }
    Row r = rows.iterator().next();
    return Optional.of(new Customer(r.getUUID("id"), r.getString("name"), r.getString("email"),
        r.getString("password_hash"), r.getString("role"), r.getLong("credit_limit_cents")));
  }
}
