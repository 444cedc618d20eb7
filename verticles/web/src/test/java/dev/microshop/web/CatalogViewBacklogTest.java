package dev.microshop.web;

import dev.microshop.common.discovery.ServiceClient;
import dev.microshop.common.discovery.ServiceRegistry;
import dev.microshop.common.eventlog.Event;
import dev.microshop.common.eventlog.EventLogAddresses;
import dev.microshop.inventory.api.CatalogEntry;
import dev.microshop.inventory.api.InventoryAddresses;
import dev.microshop.inventory.api.Product;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The catalog read model ({@link CatalogView}) alone, against a fake inventory that serves its log:
 * a long backlog, read one small batch after another, is applied to its end, and the view goes on
 * following the log after it; a catch-up still waiting when the view stops is answered.
 */
class CatalogViewBacklogTest {

  private static final String SKU = "MUG-BACKLOG";

  private Vertx vertx;
  private ServiceRegistry registry;
  /** The fake inventory's log: one {@link CatalogEntry#CHANGED} event per transaction, tx = position = index + 1. */
  private final List<JsonObject> log = new ArrayList<>();
  /** Whether the fake inventory leaves reads of its log unanswered. */
  private volatile boolean holdReads;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    registry = new ServiceRegistry(vertx);
    vertx.eventBus().<JsonObject>consumer(InventoryAddresses.CATALOG, m -> m.reply(
        CatalogEntry.toJson(List.of(entry(0))).put("afterTx", 0L).put("afterPosition", 0L)));
    vertx.eventBus().<JsonObject>consumer(EventLogAddresses.read(InventoryAddresses.SERVICE), m -> {
      if (holdReads) {
        return;
      }
      int from = (int) (long) m.body().getLong("afterPosition");
      int to = Math.min(log.size(), from + m.body().getInteger("limit"));
      m.reply(new JsonObject().put("events", new JsonArray(new ArrayList<>(log.subList(from, to)))));
    });
    await(registry.publishEventBusService(InventoryAddresses.SERVICE, InventoryAddresses.SERVICE));
  }

  @AfterEach
  void stop() throws Exception {
    registry.close();
    await(vertx.close());
  }

  @Test
  @DisplayName("a backlog of 100,000 events read one at a time is applied to its last, and the view follows the log after it")
  void appliesALongBacklogOneBatchAfterAnother() throws Exception {
    int backlog = 100_000;
    for (int i = 1; i <= backlog; i++) {
      append(i);
    }
    Context context = vertx.getOrCreateContext();
    // batch size 1: one read of the log per event, and no poll in the test's time (a wake-up starts each drain)
    CatalogView view = new CatalogView(vertx, new ServiceClient(vertx, registry, InventoryAddresses.SERVICE, 5_000),
        new CatalogView.Settings(true, 600_000, 1, 1, 200));
    await(on(context, view::start));
    awaitVersion(context, view, backlog);

    append(backlog + 1);
    await(on(context, view::catchUp));
    assertThat(version(context, view)).isEqualTo(backlog + 1);
    on(context, () -> {
      view.stop();
      return Future.succeededFuture();
    });
  }

  @Test
  @DisplayName("a catch-up still waiting when the web stops is answered (a stopped view reads no more)")
  void catchUpAnsweredAtStop() throws Exception {
    Context context = vertx.getOrCreateContext();
    CatalogView view = new CatalogView(vertx, new ServiceClient(vertx, registry, InventoryAddresses.SERVICE, 5_000),
        new CatalogView.Settings(true, 600_000, 500, 1, 200));
    await(on(context, view::start));
    awaitVersion(context, view, 0);
    holdReads = true; // the next read of the log gets no answer (until its 5 s time-out): a drain in progress
    Future<Void> first = on(context, view::catchUp);
    Thread.sleep(200);
    Future<Void> second = on(context, view::catchUp); // waits for a read that starts after the running one
    Thread.sleep(200);
    assertThat(first.isComplete() || second.isComplete()).as("a catch-up answered while its read is held").isFalse();
    on(context, () -> {
      view.stop();
      return Future.succeededFuture();
    });
    second.toCompletionStage().toCompletableFuture().get(1, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(second.succeeded()).isTrue();
  }

  private void append(int version) {
    log.add(new Event(version, version, UUID.randomUUID(), CatalogEntry.CHANGED, CatalogEntry.AGGREGATE,
        OffsetDateTime.now(), 1, CatalogEntry.toJson(List.of(entry(version))), null).toJson());
  }

  private static CatalogEntry entry(int version) {
    return new CatalogEntry(new Product(SKU, "Backlog mug", "A mug", 900, 1_000_000, version, "drinkware", null), version);
  }

  private static void awaitVersion(Context context, CatalogView view, int version) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    int seen;
    while ((seen = version(context, view)) < version && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    assertThat(seen).as("the product's version in the view (its reserved count)").isEqualTo(version);
  }

  /** The product's reserved count as the view shows it (it is the entry's version here); -1 when not there. */
  private static int version(Context context, CatalogView view) throws Exception {
    Optional<String> product = await(on(context, () -> Future.succeededFuture(view.product(SKU))));
    return product.map(p -> 1_000_000 - new JsonObject(p).getInteger("available")).orElse(-1);
  }

  /** Runs {@code call} on the view's context, as the web verticle's event loop would. */
  private static <T> Future<T> on(Context context, Supplier<Future<T>> call) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> call.get().onComplete(p));
    return p.future();
  }
}
