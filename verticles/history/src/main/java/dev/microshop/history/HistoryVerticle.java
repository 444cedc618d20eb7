package dev.microshop.history;

import dev.microshop.common.audit.Audit;
import dev.microshop.common.db.Transactions;
import dev.microshop.common.eventlog.EventConsumer;
import dev.microshop.common.json.Input;
import dev.microshop.common.service.ServiceVerticle;
import dev.microshop.history.api.HistoryAddresses;
import dev.microshop.history.db.HistoryRepository;
import dev.microshop.order.api.OrderAddresses;
import dev.microshop.shipping.api.ShippingAddresses;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The order-history view (CQRS): each customer's orders with their lines, totals, a timeline of
 * every milestone and the shipment with its tracking, built only from the order and shipping
 * services' events, and rebuilt from position zero on demand.
 */
public class HistoryVerticle extends ServiceVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(HistoryVerticle.class);
  private static final String RESET_POSITIONS = "UPDATE consumer_position SET tx = 0, position = 0, updated_at = now()"
      + " WHERE consumer = $1";

  private final HistoryRepository history = new HistoryRepository();
  private final List<EventConsumer> readers = new CopyOnWriteArrayList<>();

  @Override
  protected String service() {
    return HistoryAddresses.SERVICE;
  }

  @Override
  protected Future<?> startService() {
    return all(
        serve(HistoryAddresses.ORDERS_OF_CUSTOMER, this::ordersOfCustomer),
        serve(HistoryAddresses.ALL, this::all),
        serve(HistoryAddresses.REBUILD, this::rebuild))
        .compose(v -> consumeBatches(OrderAddresses.SERVICE, type -> true, history::applyOrderEvents))
        .onSuccess(readers::add)
        .compose(v -> consumeBatches(ShippingAddresses.SERVICE, type -> type.startsWith("shipment."), history::applyShipmentEvents))
        .onSuccess(readers::add);
  }

  private Future<JsonObject> ordersOfCustomer(JsonObject body) {
    UUID customer = Input.of(body).only("customerId").uuid("customerId");
    return history.orders(pool, customer, 200).map(orders -> new JsonObject().put("orders", orders));
  }

  private Future<JsonObject> all(JsonObject body) {
    return history.orders(pool, null, 100_000).map(orders -> new JsonObject().put("orders", orders));
  }

  /** Drops the view and its positions in one transaction; the readers then rebuild it from position zero. */
  private Future<JsonObject> rebuild(JsonObject body) {
    // positions first, then the tables: the order in which a reader's batch takes its locks (no deadlock)
    String actor = Audit.actor(body);
    return Transactions.run(pool, tx -> tx.preparedQuery(RESET_POSITIONS).execute(Tuple.of(service()))
            .compose(v -> history.reset(tx))
            .compose(v -> Audit.record(tx, actor, "history-rebuilt", "order-history", new JsonObject())))
        .onSuccess(v -> {
          LOG.info("order history: rebuilding from position zero");
          readers.forEach(EventConsumer::rewound);
        })
        .map(v -> new JsonObject().put("rebuilding", true));
  }
}
