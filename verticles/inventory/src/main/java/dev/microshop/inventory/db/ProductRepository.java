package dev.microshop.inventory.db;

import dev.microshop.common.eventlog.EventLog;
import dev.microshop.common.failure.ServiceException;
import dev.microshop.common.tracing.Tracing;
import dev.microshop.inventory.api.AddProduct;
import dev.microshop.inventory.api.CatalogEntry;
import dev.microshop.inventory.api.CatalogQuery;
import dev.microshop.inventory.api.ImageSize;
import dev.microshop.inventory.images.ProductImages;
import dev.microshop.inventory.api.Product;
import dev.microshop.inventory.api.Restock;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.StreamSupport;

/** Products and their stock. Every method takes the client to run on (the pool or a transaction). */
public final class ProductRepository {

  /** A product's columns, and its version (see {@link CatalogEntry}). */
  public static final String COLUMNS = "sku, name, description, price_cents, on_hand, reserved, version, category, image_version";
  /** A page of the matches of a {@link CatalogQuery}, each with the count of all matches; ordered as its {@code Sort}. */
  private static final String LIST = "SELECT " + COLUMNS + ", count(*) OVER () AS total FROM product"
      + CatalogMatch.WHERE + " ORDER BY %s LIMIT $3 OFFSET $4";
  private static final Map<CatalogQuery.Sort, String> ORDER = Map.of(
      CatalogQuery.Sort.SKU, "sku COLLATE \"C\"",
      CatalogQuery.Sort.NAME, "lower(name) COLLATE \"C\", sku COLLATE \"C\"",
      CatalogQuery.Sort.PRICE, "price_cents, sku COLLATE \"C\"",
      CatalogQuery.Sort.PRICE_DESC, "price_cents DESC, sku COLLATE \"C\"");
  private static final String CATEGORIES = "SELECT category, count(*) FROM product GROUP BY category ORDER BY category";
  private static final String COUNT = "SELECT count(*) FROM product" + CatalogMatch.WHERE;
  private static final String GET = "SELECT " + COLUMNS + " FROM product WHERE sku = $1";
  private static final String INSERT = "INSERT INTO product (sku, name, description, price_cents, on_hand, category)"
      + " VALUES ($1, $2, $3, $4, $5, $6) RETURNING " + COLUMNS;
  private static final String CLAIM_RESTOCK = "INSERT INTO restock_request (request_id, sku, quantity)"
      + " VALUES ($1, $2, $3) ON CONFLICT (request_id) DO NOTHING RETURNING request_id";
  private static final String ADD_STOCK = "UPDATE product SET on_hand = on_hand + $2, version = version + 1"
      + " WHERE sku = $1 RETURNING " + COLUMNS;
  private static final String ALL = "SELECT " + COLUMNS + " FROM product ORDER BY sku";
  /** The last event of a transaction that has finished, as every later snapshot sees it (see {@link EventLog}). */
  private static final String SETTLED_POSITION = "SELECT tx, position FROM event_log"
      + " WHERE tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint ORDER BY tx DESC, position DESC LIMIT 1";
  private static final String RECORD_RESTOCK = "UPDATE restock_request SET on_hand_after = $2 WHERE request_id = $1";
  private static final String GET_IMAGE = "SELECT version, %s FROM product_image WHERE sku = $1";
  private static final String PUT_IMAGE = "INSERT INTO product_image (sku, version, card, page, source) VALUES ($1, $2, $3, $4, $5)"
      + " ON CONFLICT (sku) DO UPDATE SET version = $2, card = $3, page = $4, source = $5, updated_at = now()";
  private static final String SET_IMAGE_VERSION = "UPDATE product SET image_version = $2, version = version + 1"
      + " WHERE sku = $1 RETURNING " + COLUMNS;
  private static final String GET_RESTOCK = "SELECT sku, quantity, on_hand_after FROM restock_request WHERE request_id = $1";

  /** {@code {products: [...], total}}: the page of {@code query}, and how many products match it in all. */
  public Future<JsonObject> list(SqlClient client, CatalogQuery query) {
    Tuple args = CatalogMatch.args(query).addInteger(query.limit()).addInteger(query.offset());
    return client.preparedQuery(String.format(LIST, ORDER.get(query.sort()))).execute(args).compose(rows -> {
      List<JsonObject> page = StreamSupport.stream(rows.spliterator(), false).map(r -> product(r).toJson()).toList();
      Future<Long> total = rows.size() > 0 ? Future.succeededFuture(rows.iterator().next().getLong("total"))
          : client.preparedQuery(COUNT).execute(CatalogMatch.args(query)).map(r -> r.iterator().next().getLong(0));
      return total.map(n -> new JsonObject().put("products", new JsonArray(page)).put("total", n));
    });
  }

  /** Every category with how many products it has, by name. */
  public Future<JsonArray> categories(SqlClient client) {
    return client.query(CATEGORIES).execute().map(rows -> new JsonArray(StreamSupport.stream(rows.spliterator(), false)
        .map(r -> (Object) new JsonObject().put("name", r.getString(0)).put("count", r.getLong(1))).toList()));
  }

  public Future<Optional<Product>> get(SqlClient client, String sku) {
    return client.preparedQuery(GET).execute(Tuple.of(sku))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(product(rows.iterator().next())));
  }

  /** Adds a product (run it in a transaction: its {@link CatalogEntry#CHANGED} event goes with it). */
  public Future<Product> insert(SqlClient tx, AddProduct p) {
    return tx.preparedQuery(INSERT)
        .execute(Tuple.of(p.sku(), p.name(), p.description(), p.priceCents(), p.stock(), p.category()))
        .compose(rows -> changed(tx, rows).map(v -> product(rows.iterator().next())))
        .recover(t -> Future.failedFuture(hasState(t, "23505")
            ? ServiceException.conflict("product " + p.sku() + " already exists") : t));
  }

  /**
   * Applies a restock once per request id (run it in a transaction), then {@code onApplied} with its
   * outcome, in the same transaction. Concurrent duplicates queue on the request id's unique index;
   * the later ones find the first one's outcome.
   */
  public Future<JsonObject> restock(SqlClient tx, Restock r, java.util.function.Function<JsonObject, Future<Void>> onApplied) {
    return tx.preparedQuery(CLAIM_RESTOCK).execute(Tuple.of(r.requestId(), r.sku(), r.quantity()))
        .recover(t -> Future.failedFuture(hasState(t, "23503") ? ServiceException.notFound("no product " + r.sku()) : t))
        .compose(claimed -> claimed.size() == 1
            ? applyRestock(tx, r).compose(outcome -> onApplied.apply(outcome).map(outcome))
            : previousRestock(tx, r));
  }

  private Future<JsonObject> applyRestock(SqlClient tx, Restock r) {
    return tx.preparedQuery(ADD_STOCK).execute(Tuple.of(r.sku(), r.quantity()))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(ServiceException.notFound("no product " + r.sku()));
          }
          int onHand = rows.iterator().next().getInteger("on_hand");
          return changed(tx, rows).compose(v -> tx.preparedQuery(RECORD_RESTOCK).execute(Tuple.of(r.requestId(), onHand)))
              .map(v -> Restock.outcome(r.requestId(), r.sku(), r.quantity(), onHand));
        });
  }

  private Future<JsonObject> previousRestock(SqlClient tx, Restock r) {
    return tx.preparedQuery(GET_RESTOCK).execute(Tuple.of(r.requestId())).compose(rows -> {
      Row first = rows.iterator().next();
      if (!first.getString("sku").equals(r.sku()) || first.getInteger("quantity") != r.quantity()) {
        return Future.failedFuture(ServiceException.conflict(
            "request id " + r.requestId() + " was already used for another restock"));
      }
      return Future.succeededFuture(
          Restock.outcome(r.requestId(), r.sku(), r.quantity(), first.getInteger("on_hand_after")));
    });
  }

  /** The served JPEG of {@code sku}'s picture in {@code size}, with its version; empty when it has none. */
  public Future<Optional<JsonObject>> image(SqlClient client, String sku, ImageSize size) {
    return client.preparedQuery(String.format(GET_IMAGE, size.key())).execute(Tuple.of(sku)).map(rows -> {
      if (rows.size() == 0) {
        return Optional.empty();
      }
      Row row = rows.iterator().next();
      return Optional.of(new JsonObject().put("sku", sku).put("size", size.key()).put("version", row.getString("version"))
          .put("contentType", ImageSize.CONTENT_TYPE).put("data", row.getBuffer(size.key()).getBytes()));
    });
  }

  /** Gives {@code sku} the picture {@code image} (run it in a transaction: its {@link CatalogEntry#CHANGED} event goes with it). */
  public Future<Product> putImage(SqlClient tx, String sku, ProductImages.Encoded image) {
    return tx.preparedQuery(SET_IMAGE_VERSION).execute(Tuple.of(sku, image.version())).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(ServiceException.notFound("no product " + sku));
      }
      return tx.preparedQuery(PUT_IMAGE).execute(Tuple.of(sku, image.version(),
              Buffer.buffer(image.bytes().get(ImageSize.CARD)), Buffer.buffer(image.bytes().get(ImageSize.PAGE)), image.source()))
          .compose(v -> changed(tx, rows)).map(v -> product(rows.iterator().next()));
    });
  }

  /**
   * Every product with its version, and the event log's position they are up to date with: the
   * position is read first, so every event up to it (from transactions that had finished) shows in
   * the products read after it; an event after it may show too, and its entry is no newer.
   */
  public Future<JsonObject> catalog(SqlClient client) {
    return client.query(SETTLED_POSITION).execute().compose(position -> {
      Row last = position.size() == 0 ? null : position.iterator().next();
      return client.query(ALL).execute().map(rows -> CatalogEntry.toJson(entries(rows))
          .put("afterTx", last == null ? 0L : last.getLong("tx"))
          .put("afterPosition", last == null ? 0L : last.getLong("position")));
    });
  }

  /** Records the new state of the products in {@code rows} (returned by a change) as one {@link CatalogEntry#CHANGED} event. */
  public static Future<Void> changed(SqlClient tx, RowSet<Row> rows) {
    return EventLog.appendAll(tx, changedEvent(rows, Tracing.traceParent()));
  }

  /** The {@link CatalogEntry#CHANGED} event of the products in {@code rows}, to record with others; none when no row. */
  static List<EventLog.NewEvent> changedEvent(RowSet<Row> rows, String traceParent) {
    return changedEvent(entries(rows), traceParent);
  }

  /** The {@link CatalogEntry#CHANGED} event of these entries; none when there is none. */
  static List<EventLog.NewEvent> changedEvent(List<CatalogEntry> entries, String traceParent) {
    return entries.isEmpty() ? List.of()
        : List.of(new EventLog.NewEvent(CatalogEntry.CHANGED, CatalogEntry.AGGREGATE, CatalogEntry.toJson(entries), traceParent));
  }

  /**
   * The entry of the product locked in {@code row} (all of {@link #COLUMNS}) once {@code more} of it
   * is reserved by a change that adds one to its version: what that change's {@code RETURNING} would give.
   */
  static CatalogEntry reservedMore(Row row, int more) {
    Product p = product(row);
    return new CatalogEntry(new Product(p.sku(), p.name(), p.description(), p.priceCents(), p.onHand(),
        p.reserved() + more, p.category(), p.imageVersion()), row.getLong("version") + 1);
  }

  private static List<CatalogEntry> entries(RowSet<Row> rows) {
    return StreamSupport.stream(rows.spliterator(), false)
        .map(r -> new CatalogEntry(product(r), r.getLong("version"))).toList();
  }

  private static boolean hasState(Throwable t, String sqlState) {
    return t instanceof io.vertx.pgclient.PgException pg && sqlState.equals(pg.getSqlState());
  }

  static Product product(Row row) {
    return new Product(row.getString("sku"), row.getString("name"), row.getString("description"),
        row.getLong("price_cents"), row.getInteger("on_hand"), row.getInteger("reserved"), row.getString("category"),
        row.getString("image_version"));
  }
}
