package dev.microshop.inventory.db;

import dev.microshop.common.batch.ClaimedBatch;
import dev.microshop.common.eventlog.EventLog;
import dev.microshop.common.failure.ServiceException;
import dev.microshop.common.tracing.Tracing;
import dev.microshop.inventory.api.OrderLine;
import dev.microshop.inventory.api.ReserveStock;
import dev.microshop.inventory.api.StockReservation;
import dev.microshop.inventory.api.StockReservation.Status;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Stock reservations per order. Each method runs inside one transaction ({@code tx}); the first
 * statement claims the order id (an INSERT that concurrent duplicates queue behind), so every
 * command takes effect at most once and a repeat finds the first outcome.
 */
public final class ReservationRepository {

  private static final String CLAIM = "INSERT INTO stock_reservation (order_id, status, lines) VALUES ($1, $2, $3)"
      + " ON CONFLICT (order_id) DO NOTHING RETURNING order_id";
  /** The claims of a batch ({@link ClaimedBatch}): the orders' ids and lines as arrays. */
  private static final String CLAIM_ALL = "INSERT INTO stock_reservation (order_id, status, lines)"
      + " SELECT c.order_id, 'PENDING', c.lines::jsonb FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS c(order_id, lines, n)"
      + " ORDER BY c.n ON CONFLICT (order_id) DO NOTHING RETURNING order_id";
  private static final String RESERVATION = "SELECT order_id, status, lines, total_cents, reason FROM stock_reservation";
  private static final String GET = RESERVATION + " WHERE order_id = $1";
  private static final String GET_FOR_UPDATE = GET + " FOR UPDATE";
  private static final String GET_ALL = RESERVATION + " WHERE order_id = ANY($1::text[])";
  private static final String LOCK_PRODUCTS = "SELECT " + ProductRepository.COLUMNS + " FROM product"
      + " WHERE sku = ANY($1::text[]) ORDER BY sku FOR UPDATE";
  private static final String ADD_RESERVED = "UPDATE product p SET reserved = p.reserved + l.qty, version = p.version + 1"
      + " FROM unnest($1::text[], $2::int[]) AS l(sku, qty) WHERE p.sku = l.sku RETURNING "
      + ProductRepository.COLUMNS.replaceAll("(\\w+)", "p.$1");
  private static final String SHIP_STOCK = "UPDATE product p SET reserved = p.reserved - l.qty, on_hand = p.on_hand - l.qty"
      + " FROM unnest($1::text[], $2::int[]) AS l(sku, qty) WHERE p.sku = l.sku";
  /**
   * The stock the claimed orders hold (skus and quantities), their outcomes, and the events (the
   * catalog's, then theirs), given as arrays: one statement, one round trip while the products are locked.
   */
  private static final String DECIDE_ALL = "WITH held AS (UPDATE product p SET reserved = p.reserved + l.qty,"
      + " version = p.version + 1 FROM unnest($1::text[], $2::int[]) AS l(sku, qty) WHERE p.sku = l.sku),"
      + " decided AS (UPDATE stock_reservation s SET status = d.status,"
      + " lines = d.lines::jsonb, total_cents = d.total_cents, reason = d.reason, updated_at = now()"
      + " FROM unnest($3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[]) AS d(order_id, status, lines, total_cents, reason)"
      + " WHERE s.order_id = d.order_id) " + EventLog.appendFrom(8);
  private static final String SET_STATUS = "UPDATE stock_reservation SET status = $2, updated_at = now() WHERE order_id = $1";
  private static final String REPORT = "SELECT p.sku, p.on_hand, p.reserved, COALESCE(r.qty, 0) AS reserved_by_orders"
      + " FROM product p LEFT JOIN ("
      + "   SELECT l->>'sku' AS sku, sum((l->>'quantity')::int) AS qty"
      + "   FROM stock_reservation s, jsonb_array_elements(s.lines) l WHERE s.status = 'RESERVED' GROUP BY 1"
      + " ) r ON r.sku = p.sku ORDER BY p.sku";

  /**
   * Reserves stock for each order, in this transaction, each on its own: an order asked before gets
   * its first outcome again; another is reserved, or rejected alone (unknown product, not enough
   * stock). Locks in one order whatever the batch: the claims by order id, then the products by sku,
   * so two batches never wait on each other in a cycle. One answer per command, in order.
   */
  public Future<List<StockReservation>> reserveAll(SqlClient tx, List<ReserveStock> commands) {
    return ClaimedBatch.apply(tx, commands, ReserveStock::orderId, CLAIM_ALL, cs -> Tuple.tuple()
            .addArrayOfString(cs.stream().map(ReserveStock::orderId).toArray(String[]::new))
            .addArrayOfString(cs.stream().map(c -> OrderLine.toJson(c.lines()).encode()).toArray(String[]::new)),
        claimed -> decideAll(tx, claimed), earlier -> getAll(tx, earlier), StockReservation::orderId);
  }

  /**
   * Decides the claimed orders in turn against the locked stock, then writes it all in one statement:
   * the products' new state (for the catalog's event) follows from their locked rows.
   */
  private Future<List<StockReservation>> decideAll(SqlClient tx, List<ReserveStock> claimed) {
    String[] skus = claimed.stream().flatMap(c -> c.lines().stream()).map(OrderLine::sku).distinct().sorted()
        .toArray(String[]::new);
    return tx.preparedQuery(LOCK_PRODUCTS).execute(Tuple.tuple().addArrayOfString(skus)).compose(rows -> {
      Map<String, Row> products = new HashMap<>();
      Map<String, Integer> available = new HashMap<>();
      rows.forEach(p -> {
        products.put(p.getString("sku"), p);
        available.put(p.getString("sku"), p.getInteger("on_hand") - p.getInteger("reserved"));
      });
      Map<String, Integer> reservedNow = new TreeMap<>();
      List<StockReservation> decided = new ArrayList<>();
      for (ReserveStock cmd : claimed) {
        StockReservation d = decide(cmd, products, available);
        if (d.status() == Status.RESERVED) {
          cmd.lines().forEach(l -> {
            available.merge(l.sku(), -l.quantity(), Integer::sum);
            reservedNow.merge(l.sku(), l.quantity(), Integer::sum);
          });
        }
        decided.add(d);
      }
      String traceParent = Tracing.traceParent();
      List<EventLog.NewEvent> outcomes = decided.stream()
          .map(d -> new EventLog.NewEvent(d.status().eventType(), d.orderId(), d.toJson(), traceParent)).toList();
      // the catalog's event first: what the orders' events tell follows the stock as updated
      List<EventLog.NewEvent> events = Stream.concat(ProductRepository.changedEvent(reservedNow.entrySet().stream()
              .map(held -> ProductRepository.reservedMore(products.get(held.getKey()), held.getValue())).toList(), traceParent)
          .stream(), outcomes.stream()).toList();
      Tuple written = arrays(reservedNow.keySet().toArray(String[]::new), reservedNow.values().toArray(Integer[]::new))
          .addArrayOfString(decided.stream().map(StockReservation::orderId).toArray(String[]::new))
          .addArrayOfString(decided.stream().map(d -> d.status().name()).toArray(String[]::new))
          .addArrayOfString(decided.stream().map(d -> d.lines().encode()).toArray(String[]::new))
          .addArrayOfLong(decided.stream().map(StockReservation::totalCents).toArray(Long[]::new))
          .addArrayOfString(decided.stream().map(StockReservation::reason).toArray(String[]::new));
      return tx.preparedQuery(DECIDE_ALL).execute(EventLog.addArrays(written, events)).map(decided);
    });
  }

  /** One order against the stock still available: reserved with its prices, or rejected with the first line that can't be. */
  private static StockReservation decide(ReserveStock cmd, Map<String, Row> products, Map<String, Integer> available) {
    JsonArray priced = new JsonArray();
    long total = 0;
    for (OrderLine line : cmd.lines()) {
      Row p = products.get(line.sku());
      String reason = null;
      if (p == null) {
        reason = "unknown product " + line.sku();
      } else if (available.get(line.sku()) < line.quantity()) {
        reason = "not enough stock of " + line.sku() + " (" + Math.max(available.get(line.sku()), 0) + " available)";
      }
      if (reason != null) {
        return new StockReservation(cmd.orderId(), Status.REJECTED, OrderLine.toJson(cmd.lines()), null, reason);
      }
      long price = p.getLong("price_cents");
      priced.add(line.toJson().put("priceCents", price));
      total += price * line.quantity();
    }
    return new StockReservation(cmd.orderId(), Status.RESERVED, priced, total, null);
  }

  /** The event of a reservation's new state ({@code stock.reserved}, {@code stock.rejected}, ...), same transaction. */
  private static Future<StockReservation> recorded(SqlClient tx, StockReservation r) {
    return EventLog.append(tx, r.status().eventType(), r.orderId(), r.toJson()).map(v -> r);
  }

  private Future<List<StockReservation>> getAll(SqlClient tx, List<String> orderIds) {
    return tx.preparedQuery(GET_ALL).execute(Tuple.tuple().addArrayOfString(orderIds.toArray(String[]::new)))
        .map(rows -> StreamSupport.stream(rows.spliterator(), false).map(ReservationRepository::reservation).toList());
  }

  /** Gives the stock of a reserved order back; first of all for this order: a tombstone. */
  public Future<StockReservation> release(SqlClient tx, String orderId) {
    return tx.preparedQuery(CLAIM).execute(Tuple.of(orderId, Status.RELEASED.name(), new JsonArray()))
        .compose(tombstone -> tombstone.size() == 1
            ? Future.succeededFuture(new StockReservation(orderId, Status.RELEASED, new JsonArray(), null, null))
            : lockedGet(tx, orderId).compose(r -> switch (r.status()) {
                case RESERVED -> tx.preparedQuery(ADD_RESERVED).execute(negated(r.lines()))
                    .compose(changed -> ProductRepository.changed(tx, changed))
                    .compose(v -> setStatus(tx, r, Status.RELEASED));
                case SHIPPED -> Future.failedFuture(
                    ServiceException.conflict("order " + orderId + " has shipped; its stock cannot be released"));
                default -> Future.succeededFuture(r); // REJECTED or RELEASED already: nothing held
              }));
  }

  /** Reserved stock leaves the warehouse. */
  public Future<StockReservation> ship(SqlClient tx, String orderId) {
    return lockedGet(tx, orderId).compose(r -> switch (r.status()) {
      case RESERVED -> tx.preparedQuery(SHIP_STOCK).execute(arrays(skus(r.lines()), quantitiesOf(r.lines(), 1)))
          .compose(v -> setStatus(tx, r, Status.SHIPPED));
      case SHIPPED -> Future.succeededFuture(r);
      default -> Future.failedFuture(ServiceException.conflict("order " + orderId + " holds no stock to ship ("
          + r.status().name().toLowerCase(java.util.Locale.ROOT) + ")"));
    });
  }

  public Future<Optional<StockReservation>> get(SqlClient client, String orderId) {
    return client.preparedQuery(GET).execute(Tuple.of(orderId)).map(ReservationRepository::first);
  }

  public Future<JsonArray> stockReport(SqlClient client) {
    return client.query(REPORT).execute().map(rows -> {
      JsonArray out = new JsonArray();
      rows.forEach(r -> out.add(new JsonObject().put("sku", r.getString("sku")).put("onHand", r.getInteger("on_hand"))
          .put("reserved", r.getInteger("reserved")).put("reservedByOrders", r.getLong("reserved_by_orders"))));
      return out;
    });
  }

  private Future<StockReservation> lockedGet(SqlClient tx, String orderId) {
    return tx.preparedQuery(GET_FOR_UPDATE).execute(Tuple.of(orderId)).compose(rows -> first(rows)
        .map(Future::succeededFuture)
        .orElseGet(() -> Future.failedFuture(ServiceException.conflict("order " + orderId + " holds no stock"))));
  }

  private Future<StockReservation> setStatus(SqlClient tx, StockReservation r, Status status) {
    StockReservation next = new StockReservation(r.orderId(), status, r.lines(), r.totalCents(), r.reason());
    return tx.preparedQuery(SET_STATUS).execute(Tuple.of(r.orderId(), status.name())).compose(v -> recorded(tx, next));
  }

  private static Optional<StockReservation> first(RowSet<Row> rows) {
    return rows.size() == 0 ? Optional.empty() : Optional.of(reservation(rows.iterator().next()));
  }

  private static StockReservation reservation(Row r) {
    Object lines = r.getValue("lines");
    return new StockReservation(r.getString("order_id"), Status.valueOf(r.getString("status")),
        lines instanceof JsonArray a ? a : new JsonArray(String.valueOf(lines)), r.getLong("total_cents"),
        r.getString("reason"));
  }

  private static Tuple quantities(List<OrderLine> lines) {
    return arrays(lines.stream().map(OrderLine::sku).toArray(String[]::new),
        lines.stream().map(OrderLine::quantity).toArray(Integer[]::new));
  }

  private static Tuple negated(JsonArray lines) {
    return arrays(skus(lines), quantitiesOf(lines, -1));
  }

  /** Two array parameters ($1 text[], $2 int[]): not Tuple.of, whose varargs would spread the second. */
  private static Tuple arrays(String[] skus, Integer[] quantities) {
    return Tuple.tuple().addArrayOfString(skus).addArrayOfInteger(quantities);
  }

  private static String[] skus(JsonArray lines) {
    return lines.stream().map(l -> ((JsonObject) l).getString("sku")).toArray(String[]::new);
  }

  private static Integer[] quantitiesOf(JsonArray lines, int sign) {
    return lines.stream().map(l -> sign * ((JsonObject) l).getInteger("quantity")).toArray(Integer[]::new);
  }
}
