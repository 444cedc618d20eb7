package dev.microshop.web;

import dev.microshop.common.discovery.ServiceClient;
import dev.microshop.common.eventlog.Drain;
import dev.microshop.common.eventlog.Event;
import dev.microshop.common.eventlog.EventLog;
import dev.microshop.common.eventlog.EventLogAddresses;
import dev.microshop.common.eventlog.Wakeups;
import dev.microshop.common.failure.FailureCode;
import dev.microshop.inventory.api.CatalogEntry;
import dev.microshop.inventory.api.CatalogQuery;
import dev.microshop.inventory.api.InventoryAddresses;
import dev.microshop.inventory.api.Product;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.backends.BackendRegistries;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The catalog as a shopper sees it, in this web's memory: a read model built from the inventory's
 * snapshot ({@link InventoryAddresses#CATALOG}) and kept fresh by the {@link CatalogEntry#CHANGED}
 * events of its event log, so product reads take no hop and still answer while the inventory is
 * down. It never decides anything: orders reserve against the inventory's database.
 *
 * <p>Fresh within: the inventory's wake-up after each commit makes this view read its log
 * {@code wake-delay-ms} later (and the poll every {@code poll-ms} when a wake-up is lost); an event
 * is readable once every transaction older than it has finished. The time from an event's commit
 * to its being applied here is the timer {@code microshop_catalog_staleness_seconds}.
 *
 * <p>Until its snapshot has loaded (the inventory may start after the web), the view is not ready
 * and the routes ask the inventory, as they do for a product it doesn't know (one added a moment ago).
 * Confined to the web verticle's event loop: no locks.
 */
final class CatalogView {

  private static final Logger LOG = LoggerFactory.getLogger(CatalogView.class);
  private static final String PRODUCER = InventoryAddresses.SERVICE;

  /** What a shopper sees of a product: no stock internals beyond what is available. */
  private static final String[] PUBLIC_FIELDS = {"sku", "name", "description", "category", "price", "priceCents", "currency",
      "available"};

  /** {@code catalog.*} in web.json. */
  record Settings(boolean enabled, long pollMs, int batchSize, long wakeDelayMs, int maxPageSize) {
    static Settings from(JsonObject conf) {
      JsonObject c = conf.getJsonObject("catalog", new JsonObject());
      return new Settings(c.getBoolean("read-model", true), c.getLong("poll-ms", 1000L), c.getInteger("batch-size", 500),
          c.getLong("wake-delay-ms", 5L), c.getInteger("max-page-size", 200));
    }
  }

  /** A product (what a query matches and sorts), its public view and that view's encoding (answered as is). */
  private record Entry(long version, Product product, JsonObject view, String encoded) {
    static Entry of(CatalogEntry e) {
      JsonObject view = publicView(e.product().toJson());
      return new Entry(e.version(), e.product(), view, view.encode());
    }
  }

  private final Vertx vertx;
  private final ServiceClient inventory;
  private final Settings settings;
  private final TreeMap<String, Entry> products = new TreeMap<>();
  /** Every category with its count of products; null once a product changed, computed again at the next list. */
  private JsonArray categories;
  private boolean ready;
  private long afterTx;
  private long afterPosition;
  private boolean stopped;
  private long timer = -1;
  private MessageConsumer<Object> notices;
  private final Wakeups reads;
  /** {@link #catchUp} callers, answered by the next read of the log that starts after them. */
  private List<Promise<Void>> waiting = new ArrayList<>();
  private Timer staleness;

  CatalogView(Vertx vertx, ServiceClient inventory, Settings settings) {
    this.vertx = vertx;
    this.inventory = inventory;
    this.settings = settings;
    this.reads = new Wakeups(vertx, settings.wakeDelayMs(), () -> stopped, this::read);
  }

  Future<Void> start() {
    if (!settings.enabled()) {
      return Future.succeededFuture();
    }
    registerMeters();
    notices = vertx.eventBus().consumer(EventLogAddresses.notify(PRODUCER), m -> reads.soon());
    timer = vertx.setPeriodic(settings.pollMs(), id -> wake());
    wake();
    return notices.completion();
  }

  void stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    if (notices != null) {
      notices.unregister();
    }
    // the catch-ups still waiting are answered now: no read starts after a stop, and their change was made
    List<Promise<Void>> left = waiting;
    waiting = new ArrayList<>();
    left.forEach(Promise::tryComplete);
  }

  boolean ready() {
    return ready;
  }

  /** The product's public view; empty when the view is not ready or doesn't know the sku (ask the inventory). */
  Optional<String> product(String sku) {
    Entry e = ready ? products.get(sku) : null;
    return e == null ? Optional.empty() : Optional.of(e.encoded());
  }

  /**
   * The version of the product's picture as this view knows it; empty when the view is not ready,
   * doesn't know the sku, or the product has no picture (ask the inventory).
   */
  Optional<String> imageVersion(String sku) {
    Entry e = ready ? products.get(sku) : null;
    return e == null ? Optional.empty() : Optional.ofNullable(e.product().imageVersion());
  }

  /**
   * A page of the products matching {@code query}, in its order, as the inventory answers it
   * ({@code {products, total, categories}}); empty when the view is not ready.
   */
  Optional<JsonObject> list(CatalogQuery query) {
    if (!ready) {
      return Optional.empty();
    }
    List<Entry> matches = new ArrayList<>();
    for (Entry e : products.values()) { // in sku order
      if (query.matches(e.product())) {
        matches.add(e);
      }
    }
    if (query.sort() != CatalogQuery.Sort.SKU) {
      matches.sort(Comparator.comparing(Entry::product, query.order()));
    }
    int limit = Math.min(query.limit(), settings.maxPageSize());
    JsonArray page = new JsonArray(matches.stream().skip(query.offset()).limit(limit).map(e -> (Object) e.view()).toList());
    return Optional.of(new JsonObject().put("products", page).put("total", matches.size()).put("categories", categories()));
  }

  private JsonArray categories() {
    if (categories == null) {
      TreeMap<String, Integer> counts = new TreeMap<>();
      products.values().forEach(e -> counts.merge(e.product().category(), 1, Integer::sum));
      categories = new JsonArray(counts.entrySet().stream()
          .map(c -> (Object) new JsonObject().put("name", c.getKey()).put("count", c.getValue())).toList());
    }
    return categories;
  }

  /**
   * Completes after a read of the inventory's log that started after this call: what this web
   * changed through the inventory (an admin's restock) shows in its next read. Completes even when
   * that read fails (the view then stays as it was).
   */
  Future<Void> catchUp() {
    if (!settings.enabled() || !ready || stopped) {
      return Future.succeededFuture();
    }
    Promise<Void> p = Promise.promise();
    waiting.add(p);
    wake();
    return p.future();
  }

  private void wake() {
    reads.now();
  }

  /** One drain (the snapshot first, until one was loaded); then the catch-ups waiting when it began are served. */
  private Future<Void> read() {
    List<Promise<Void>> served = waiting;
    waiting = new ArrayList<>();
    // (composed, so that even a throw of load or drain still answers the catch-ups it took)
    return Future.succeededFuture().compose(v -> ready ? drain() : load().compose(loaded -> drain()))
        .onFailure(t -> {
          if (FailureCode.of(t) == FailureCode.UNAVAILABLE) {
            LOG.debug("catalog: the inventory is not available yet");
          } else if (!stopped) {
            LOG.warn("catalog: {} (read again at the next wake-up)", t.getMessage());
          }
        })
        .onComplete(ar -> served.forEach(Promise::tryComplete));
  }

  private Future<Void> load() {
    return inventory.requestIdempotent(InventoryAddresses.CATALOG, new JsonObject()).map(snapshot -> {
      for (CatalogEntry e : CatalogEntry.listFromJson(snapshot)) {
        keep(e);
      }
      afterTx = snapshot.getLong("afterTx");
      afterPosition = snapshot.getLong("afterPosition");
      ready = true;
      LOG.info("catalog: {} products in memory, following the inventory's events after ({}, {})",
          products.size(), afterTx, afterPosition);
      return null;
    });
  }

  /** Reads the log batch after batch until one comes short, one batch held at a time ({@link Drain}). */
  private Future<Void> drain() {
    return Drain.untilDone(this::nextBatch);
  }

  /** Reads and applies one batch of the log; true when it was full (there may be more to read now). */
  private Future<Boolean> nextBatch() {
    return inventory.requestIdempotent(EventLogAddresses.read(PRODUCER), new JsonObject()
            .put("afterTx", afterTx).put("afterPosition", afterPosition).put("limit", settings.batchSize()))
        .map(reply -> {
          List<Event> events = EventLog.events(reply);
          for (Event e : events) {
            if (CatalogEntry.CHANGED.equals(e.type())) {
              CatalogEntry.listFromJson(e.payload()).forEach(this::keep);
              if (staleness != null) {
                staleness.record(Duration.between(e.occurredAt().toInstant(), java.time.Instant.now()));
              }
            }
            afterTx = e.tx();
            afterPosition = e.position();
          }
          return events.size() == settings.batchSize();
        });
  }

  /** Keeps the entry of the higher version: entries may come twice and out of order (a snapshot, then events). */
  private void keep(CatalogEntry e) {
    Entry now = products.get(e.product().sku());
    if (now == null || now.version() < e.version()) {
      products.put(e.product().sku(), Entry.of(e));
      categories = null;
    }
  }

  private void registerMeters() {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    if (registry == null) {
      return; // metrics off (unit tests)
    }
    Gauge.builder("microshop_catalog_products", this, v -> v.products.size())
        .description("products in the web's catalog read model").register(registry);
    staleness = Timer.builder("microshop_catalog_staleness")
        .description("from a catalog change's commit in the inventory to its being visible in this web")
        .publishPercentiles(0.5, 0.99).register(registry);
  }

  /** What a shopper sees of a product: not the stock on hand and reserved, only what is available. */
  static JsonObject publicView(JsonObject product) {
    JsonObject view = new JsonObject();
    for (String f : PUBLIC_FIELDS) {
      view.put(f, product.getValue(f));
    }
    String image = product.getString("imageVersion");
    if (image != null) {
      view.put("image", ImageRoutes.links(product.getString("sku"), image));
    }
    return view;
  }
}
