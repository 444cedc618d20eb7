package dev.microshop.common.eventlog;

import dev.microshop.common.db.EmbeddedPostgresServer;
import dev.microshop.common.testing.Await;
import dev.microshop.common.testing.TestData;
import dev.microshop.common.testing.TestService;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A consumer applies each event exactly once: across a crash between apply and commit, and with two instances; it
 * reads what a wake-up brought without an empty read after it.
 */
class EventConsumerTest {

  /** Keys whose first application fails after its write (a consumer dying before its commit). */
  static final Set<String> FAIL_ONCE = ConcurrentHashMap.newKeySet();
  static final AtomicInteger FAILURES = new AtomicInteger();

  /**
   * The producer: writes events in its own transactions, one per key, of the body's type (test.written
   * when none); a key given as {@code {type, key}} has a type of its own.
   */
  public static class Alpha extends TestService {
    public Alpha() {
      super("alpha", s -> s.serve("alpha.write", body -> s.transaction(tx -> {
        Future<Void> chain = Future.succeededFuture();
        for (Object given : body.getJsonArray("keys")) {
          String type = given instanceof JsonObject o ? o.getString("type") : body.getString("type", "test.written");
          String key = given instanceof JsonObject o ? o.getString("key") : String.valueOf(given);
          chain = chain.compose(v -> EventLog.append(tx, type, key, new JsonObject().put("key", key)));
        }
        return chain;
      }).map(v -> new JsonObject())));
    }
  }

  /** The largest batch a batch applier was given, and the events of other types it was given (none, rightly). */
  static final AtomicInteger LARGEST_BATCH = new AtomicInteger();
  static final AtomicInteger FOREIGN = new AtomicInteger();

  /**
   * The consumer: records each event it applies, of the type test.written only; event by event, or with
   * {@code batches} each batch's events in one statement.
   */
  public static class Beta extends TestService {
    public Beta(boolean batches) {
      super("beta", s -> (batches
          ? s.consumeBatches("alpha", type -> type.equals("test.written"), (tx, events) -> {
            LARGEST_BATCH.accumulateAndGet(events.size(), Math::max);
            FOREIGN.addAndGet((int) events.stream().filter(e -> !e.type().equals("test.written")).count());
            String[] keys = events.stream().map(e -> e.payload().getString("key")).toArray(String[]::new);
            UUID[] ids = events.stream().map(Event::id).toArray(UUID[]::new);
            return tx.preparedQuery("INSERT INTO applied (key, event_id) SELECT * FROM unnest($1::text[], $2::uuid[])")
                .execute(Tuple.tuple().addValue(keys).addValue(ids))
                .compose(v -> diesAfter(keys))
                .onFailure(t -> FAILURES.incrementAndGet());
          })
          : s.consume("alpha", type -> type.equals("test.written"), (tx, event) -> {
            String key = event.payload().getString("key");
            return tx.preparedQuery("INSERT INTO applied (key, event_id) VALUES ($1, $2)").execute(Tuple.of(key, event.id()))
                .compose(v -> diesAfter(key))
                .onFailure(t -> FAILURES.incrementAndGet());
          })).compose(c -> s.serve("beta.applied", body -> s.pool().query("SELECT key, count(*) FROM applied GROUP BY key").execute()
          .map(rows -> {
            JsonObject counts = new JsonObject();
            rows.forEach(r -> counts.put(r.getString(0), r.getLong(1)));
            return counts;
          }))
          // the stored position set back to zero, as a rebuild does; then the consumer told so ({rewound: true}) or woken
          .compose(v -> s.serve("beta.rewind", body -> s.pool().query("UPDATE consumer_position SET tx = 0, position = 0")
              .execute().map(rows -> {
                if (body.getBoolean("rewound")) {
                  c.rewound();
                } else {
                  c.wake();
                }
                return new JsonObject();
              })))));
    }
  }

  /** The payload of the first event the {@link Gamma} consumer applied, weakly: whether anything still holds it. */
  static volatile WeakReference<JsonObject> FIRST_PAYLOAD;
  /** Gamma's batches applied so far, and the batch it holds until the test lets it go. */
  static final AtomicInteger GAMMA_BATCHES = new AtomicInteger();
  static final int GAMMA_HELD_BATCH = 4;
  static volatile Promise<Void> GAMMA_HOLD;

  /** A consumer that keeps nothing of what it applied, and holds its {@link #GAMMA_HELD_BATCH}th batch until let go. */
  public static class Gamma extends TestService {
    public Gamma() {
      super("gamma", s -> s.consumeBatches("alpha", type -> true, (tx, events) -> {
        int n = GAMMA_BATCHES.incrementAndGet();
        if (n == 1) {
          FIRST_PAYLOAD = new WeakReference<>(events.get(0).payload());
        }
        return n == GAMMA_HELD_BATCH ? GAMMA_HOLD.future() : Future.succeededFuture();
      }).mapEmpty());
    }
  }

  /** Fails when one of {@code keys} is to fail once (after its write: the transaction rolls back). */
  private static Future<Void> diesAfter(String... keys) {
    for (String key : keys) {
      if (FAIL_ONCE.remove(key)) {
        return Future.failedFuture(new IllegalStateException("died after applying " + key + ", before the commit"));
      }
    }
    return Future.succeededFuture();
  }

  private Vertx vertx;

  @BeforeEach
  void reset() {
    FAIL_ONCE.clear();
    FAILURES.set(0);
    LARGEST_BATCH.set(0);
    FOREIGN.set(0);
  }

  /** The producer's deployment (a test undeploys it). */
  private String alphaDeployment;

  /** The producer, and two instances of the consumer (event by event, or batch by batch). */
  private void start(boolean batches) throws Exception {
    start(batches, 2, 200);
  }

  private void start(boolean batches, int consumers, long pollMs) throws Exception {
    vertx = Vertx.vertx();
    Path data = TestData.freshDataDir("consumer");
    JsonObject config = TestData.serviceConfig(data).put("events", new JsonObject().put("poll-ms", pollMs).put("batch-size", 3));
    alphaDeployment = await(vertx.deployVerticle(Alpha::new, new DeploymentOptions().setConfig(config)));
    await(vertx.deployVerticle(() -> new Beta(batches), new DeploymentOptions().setConfig(config).setInstances(consumers)));
  }

  @AfterEach
  void stop() throws Exception {
    if (vertx != null) {
      await(vertx.close());
    }
    EmbeddedPostgresServer.stopAll();
  }

  /** The consumer's count of applications per key, once it has applied {@code keys} keys (or 20 s later). */
  private JsonObject applied(int keys) throws Exception {
    return appliedOnce(counts -> counts.size() >= keys);
  }

  /** The consumer's count of applications per key, once {@code done} holds for it (or 20 s later). */
  private JsonObject appliedOnce(java.util.function.Predicate<JsonObject> done) throws Exception {
    JsonObject counts = new JsonObject();
    long deadline = System.currentTimeMillis() + 20_000;
    while (!done.test(counts) && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
      counts = Await.request(vertx, "beta.applied", new JsonObject());
    }
    return counts;
  }

  @ParameterizedTest(name = "applied in batches: {0}")
  @ValueSource(booleans = {false, true})
  @DisplayName("a consumer that dies between applying an event and committing applies it once in the end; two instances never apply twice")
  void exactlyOnce(boolean batches) throws Exception {
    start(batches);
    FAIL_ONCE.addAll(List.of("k3", "k7", "k20"));
    List<String> keys = new ArrayList<>();
    for (int i = 1; i <= 40; i++) {
      keys.add("k" + i);
    }
    for (int i = 0; i < keys.size(); i += 5) {
      Await.request(vertx, "alpha.write", new JsonObject().put("keys", new JsonArray(keys.subList(i, i + 5))));
    }
    JsonObject counts = applied(keys.size());
    assertThat(counts.fieldNames()).containsExactlyInAnyOrderElementsOf(keys);
    assertThat(counts.getMap().values()).allSatisfy(n -> assertThat(n).isEqualTo(1L));
    assertThat(FAIL_ONCE).isEmpty();
    assertThat(FAILURES.get()).isGreaterThanOrEqualTo(3);

    JsonObject lag = Await.request(vertx, EventLogAddresses.lag("beta"), new JsonObject());
    JsonObject alpha = lag.getJsonArray("producers").getJsonObject(0);
    assertThat(alpha.getString("producer")).isEqualTo("alpha");
    assertThat(alpha.getLong("pending")).isZero();
    assertThat(alpha.getLong("consumerPosition")).isEqualTo(alpha.getLong("producerHead")).isEqualTo(40L);
    if (batches) {
      assertThat(LARGEST_BATCH.get()).as("a batch's events in one call (batch-size 3)").isEqualTo(3);
    }
  }

  @Test
  @DisplayName("a wake-up's events are read in full batches then one short batch, with no empty read after it")
  void noEmptyReadAfterAShortBatch() throws Exception {
    start(true, 1, 600_000); // no polling: only the start's read and the wake-ups
    AtomicInteger reads = new AtomicInteger();
    Handler<DeliveryContext<Object>> counter = dc -> {
      if (dc.message().address().equals(EventLogAddresses.read("alpha"))) {
        reads.incrementAndGet();
      }
      dc.next();
    };
    // a first event, applied: the start's read and this wake-up's are over before counting
    Await.request(vertx, "alpha.write", new JsonObject().put("keys", new JsonArray(List.of("a0"))));
    assertThat(applied(1).size()).isEqualTo(1);
    Thread.sleep(300);
    vertx.eventBus().addOutboundInterceptor(counter);
    // one transaction of 7 events, one wake-up: batches of 3, 3 and 1, and the short one ends the read
    Await.request(vertx, "alpha.write", new JsonObject().put("keys", new JsonArray(List.of("a1", "a2", "a3", "a4", "a5", "a6", "a7"))));
    assertThat(applied(8).size()).isEqualTo(8);
    Thread.sleep(300);
    assertThat(reads.get()).as("reads of the producer's log for one wake-up of 7 events, batch-size 3").isEqualTo(3);
    // then one of 2 events: one read
    Await.request(vertx, "alpha.write", new JsonObject().put("keys", new JsonArray(List.of("b1", "b2"))));
    assertThat(applied(10).size()).isEqualTo(10);
    Thread.sleep(300);
    assertThat(reads.get()).as("reads after a second wake-up of 2 events").isEqualTo(4);
    vertx.eventBus().removeOutboundInterceptor(counter);
  }

  @Test
  @DisplayName("a long drain keeps no batch it applied: the first batch's events are free while later ones are applied (a backlog costs one batch of memory, not all)")
  void aDrainKeepsNoBatchItApplied() throws Exception {
    GAMMA_BATCHES.set(0);
    FIRST_PAYLOAD = null;
    GAMMA_HOLD = Promise.promise();
    vertx = Vertx.vertx();
    JsonObject config = TestData.serviceConfig(TestData.freshDataDir("consumer-memory"))
        .put("events", new JsonObject().put("poll-ms", 600_000).put("batch-size", 3));
    await(vertx.deployVerticle(Alpha::new, new DeploymentOptions().setConfig(config)));
    await(vertx.deployVerticle(Gamma::new, new DeploymentOptions().setConfig(config)));
    // one transaction of 15 events, one wake-up: one drain of 5 full batches, held at its 4th
    List<String> keys = IntStream.range(0, 15).mapToObj(i -> "m" + i).toList();
    Await.request(vertx, "alpha.write", new JsonObject().put("keys", new JsonArray(keys)));
    long deadline = System.currentTimeMillis() + 20_000;
    while (GAMMA_BATCHES.get() < GAMMA_HELD_BATCH) {
      assertThat(System.currentTimeMillis()).as("the drain reaches its 4th batch").isLessThan(deadline);
      Thread.sleep(20);
    }
    assertThat(FIRST_PAYLOAD).isNotNull();
    for (int i = 0; i < 20 && FIRST_PAYLOAD.get() != null; i++) {
      System.gc();
      Thread.sleep(50);
    }
    boolean freed = FIRST_PAYLOAD.get() == null;
    GAMMA_HOLD.complete();
    while (GAMMA_BATCHES.get() < 5) {
      assertThat(System.currentTimeMillis()).as("the drain goes on to its 5th batch").isLessThan(deadline);
      Thread.sleep(20);
    }
    assertThat(freed).as("the first batch's events, applied three batches ago, are unreachable in the middle of the drain")
        .isTrue();
  }

  @Test
  @DisplayName("a consumer reads on from where its own last batch left the position, without reading it; told it was rewound, from where it is stored")
  void readsOnFromItsOwnPosition() throws Exception {
    start(true, 1, 600_000); // no polling tick (each tick reads the stored position again)
    Await.request(vertx, "alpha.write", new JsonObject().put("keys", new JsonArray(List.of("r1", "r2"))));
    assertThat(applied(2).getMap()).containsOnly(Map.entry("r1", 1L), Map.entry("r2", 1L));
    // woken with nothing new: the position it knows is the one it wrote, so the rewind goes unseen
    Await.request(vertx, "beta.rewind", new JsonObject().put("rewound", false));
    Thread.sleep(500);
    assertThat(Await.request(vertx, "beta.applied", new JsonObject()).getMap()).containsOnly(
        Map.entry("r1", 1L), Map.entry("r2", 1L));
    // told: it reads the stored position (zero) and applies everything again, as a rebuild wants
    Await.request(vertx, "beta.rewind", new JsonObject().put("rewound", true));
    JsonObject counts = appliedOnce(c -> c.size() == 2 && c.getMap().values().stream().allMatch(n -> n.equals(2L)));
    assertThat(counts.getMap()).containsOnly(Map.entry("r1", 2L), Map.entry("r2", 2L));
  }

  @ParameterizedTest(name = "applied in batches: {0}")
  @ValueSource(booleans = {false, true})
  @DisplayName("events of a type the consumer does not act on are passed over: not applied, and its position moves past them")
  void passesOverOtherTypes(boolean batches) throws Exception {
    start(batches);
    Await.request(vertx, "alpha.write", new JsonObject().put("type", "test.other").put("keys", new JsonArray(List.of("o1", "o2", "o3"))));
    // then both types in each batch of 3
    Await.request(vertx, "alpha.write", new JsonObject().put("keys", new JsonArray(List.of("w1",
        new JsonObject().put("type", "test.other").put("key", "o4"), "w2"))));
    JsonObject producer = new JsonObject();
    long deadline = System.currentTimeMillis() + 20_000;
    while (producer.getLong("consumerPosition", 0L) < 6 && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
      producer = Await.request(vertx, EventLogAddresses.lag("beta"), new JsonObject()).getJsonArray("producers").getJsonObject(0);
    }
    assertThat(producer.getLong("consumerPosition")).isEqualTo(producer.getLong("producerHead")).isEqualTo(6L);
    assertThat(producer.getLong("pending")).isZero();
    JsonObject counts = Await.request(vertx, "beta.applied", new JsonObject());
    assertThat(counts.fieldNames()).containsExactlyInAnyOrder("w1", "w2");
    assertThat(FOREIGN.get()).as("events of other types given to a batch applier").isZero();
  }

  @Test
  @DisplayName("with its producer away, a consumer's lag is still answered: that producer's entry says why, nothing fails")
  void lagWithTheProducerAway() throws Exception {
    startWithOneEventApplied();
    await(vertx.undeploy(alphaDeployment));
    JsonObject alpha = betaLagOfAlpha();
    assertThat(alpha.getString("error")).contains("alpha").contains("not available");
    assertThat(alpha.containsKey("pending")).isFalse();
  }

  @Test
  @DisplayName("the lag with its producer stalled: answered within its bound, the producer's entry saying it did not answer")
  void lagWithTheProducerStalled() throws Exception {
    startWithOneEventApplied();
    // the producer's head never answers (a stalled instance: its asks wait for the client's 5 s time-out)
    Handler<DeliveryContext<Object>> stall = dc -> {
      if (!dc.message().address().startsWith(EventLogAddresses.head("alpha"))) {
        dc.next();
      }
    };
    vertx.eventBus().addOutboundInterceptor(stall);
    long asked = System.nanoTime();
    JsonObject alpha = betaLagOfAlpha();
    long tookMs = (System.nanoTime() - asked) / 1_000_000;
    vertx.eventBus().removeOutboundInterceptor(stall);
    assertThat(alpha.getString("error")).isEqualTo("no answer from the alpha service within 1000 ms");
    assertThat(tookMs).as("the lag's answer time, ms (its entry's bound 1,000 ms; the client's time-out 5,000)").isLessThan(3_000);
  }

  /** The producer and the batch consumer started, one event written and applied. */
  private void startWithOneEventApplied() throws Exception {
    start(true);
    Await.request(vertx, "alpha.write", new JsonObject().put("keys", new JsonArray(List.of("x1"))));
    assertThat(applied(1).size()).isEqualTo(1);
  }

  /** The beta consumer's lag entry for its producer alpha. */
  private JsonObject betaLagOfAlpha() throws Exception {
    JsonObject lag = Await.request(vertx, EventLogAddresses.lag("beta"), new JsonObject());
    assertThat(lag.getString("consumer")).isEqualTo("beta");
    JsonObject alpha = lag.getJsonArray("producers").getJsonObject(0);
    assertThat(alpha.getString("producer")).isEqualTo("alpha");
    return alpha;
  }
}
