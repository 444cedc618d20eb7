package dev.microshop.customer.db;

import dev.microshop.common.eventlog.EventLog;
import dev.microshop.common.failure.ServiceException;
import dev.microshop.common.json.Money;
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

import java.util.Optional;
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
  private static final String RESERVED_SUM = "SELECT COALESCE(sum(amount_cents), 0) FROM credit_reservation"
      + " WHERE customer_id = $1 AND status = 'RESERVED'";
  private static final String SET_LIMIT = "UPDATE customer SET credit_limit_cents = $2 WHERE id = $1";
  private static final String CLAIM = "INSERT INTO credit_reservation (order_id, customer_id, amount_cents, status)"
      + " VALUES ($1, $2, $3, $4) ON CONFLICT (order_id) DO NOTHING RETURNING order_id";
  private static final String DECIDE = "UPDATE credit_reservation SET status = $2, reason = $3, updated_at = now()"
      + " WHERE order_id = $1";
  private static final String GET_RESERVATION = "SELECT order_id, status, amount_cents, reason FROM credit_reservation"
      + " WHERE order_id = $1";
  private static final String RELEASE = "UPDATE credit_reservation SET status = 'RELEASED', updated_at = now()"
      + " WHERE order_id = $1 AND status = 'RESERVED'";
  private static final String REPORT = "SELECT c.id, c.credit_limit_cents, COALESCE(sum(r.amount_cents)"
      + " FILTER (WHERE r.status = 'RESERVED'), 0) AS reserved FROM customer c"
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

  public Future<Long> reservedCents(SqlClient client, UUID customerId) {
    return client.preparedQuery(RESERVED_SUM).execute(Tuple.of(customerId)).map(rows -> rows.iterator().next().getLong(0));
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
   * Holds credit for an order once. The claim of the order id comes first (duplicates queue
   * behind it); then the customer's row is locked, so the check of the available credit and
   * the hold are one step for every order of that customer.
   */
  public Future<CreditReservation> reserve(SqlClient tx, ReserveCredit cmd) {
    return tx.preparedQuery(CLAIM).execute(Tuple.of(cmd.orderId(), cmd.customerId(), cmd.amountCents(), "PENDING"))
        .compose(claimed -> claimed.size() == 1 ? decide(tx, cmd) : existing(tx, cmd.orderId()));
  }

  private Future<CreditReservation> decide(SqlClient tx, ReserveCredit cmd) {
    return tx.preparedQuery(LOCK).execute(Tuple.of(cmd.customerId())).compose(rows -> {
      Optional<Customer> customer = customer(rows);
      if (customer.isEmpty()) {
        return store(tx, cmd, Status.REJECTED, "unknown customer");
      }
      long limit = customer.get().creditLimitCents();
      return reservedCents(tx, cmd.customerId()).compose(reserved -> reserved + cmd.amountCents() > limit
          ? store(tx, cmd, Status.REJECTED, "insufficient credit: " + Money.format(cmd.amountCents())
              + " needed, " + Money.format(Math.max(0, limit - reserved)) + " available")
          : store(tx, cmd, Status.RESERVED, null));
    });
  }

  private Future<CreditReservation> store(SqlClient tx, ReserveCredit cmd, Status status, String reason) {
    CreditReservation r = new CreditReservation(cmd.orderId(), status, cmd.amountCents(), reason);
    return tx.preparedQuery(DECIDE).execute(Tuple.of(cmd.orderId(), status.name(), reason))
        .compose(v -> EventLog.append(tx, status.eventType(), cmd.orderId(),
            r.toJson().put("customerId", cmd.customerId().toString())))
        .map(v -> r);
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
    return tx.preparedQuery(GET_RESERVATION).execute(Tuple.of(orderId)).map(rows -> {
      Row r = rows.iterator().next();
      return new CreditReservation(r.getString("order_id"), Status.valueOf(r.getString("status")), r.getLong("amount_cents"),
          r.getString("reason"));
    });
  }

  public Future<JsonArray> creditReport(SqlClient client) {
    return client.query(REPORT).execute().map(rows -> {
      JsonArray out = new JsonArray();
      rows.forEach(r -> out.add(new JsonObject().put("customerId", r.getUUID("id").toString())
          .put("creditLimitCents", r.getLong("credit_limit_cents")).put("reservedCents", r.getLong("reserved"))));
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
