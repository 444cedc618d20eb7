package dev.microshop.common.eventlog;

import dev.microshop.common.db.EmbeddedPostgresServer;
import dev.microshop.common.testing.Await;
import dev.microshop.common.testing.TestData;
import dev.microshop.common.testing.TestService;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/** A consumer applies each event exactly once: across a crash between apply and commit, and with two instances. */
class EventConsumerTest {

  /** Keys whose first application fails after its write (a consumer dying before its commit). */
  static final Set<String> FAIL_ONCE = ConcurrentHashMap.newKeySet();
  static final AtomicInteger FAILURES = new AtomicInteger();

  /** The producer: writes events in its own transactions. */
  public static class Alpha extends TestService {
    public Alpha() {
      super("alpha", s -> s.serve("alpha.write", body -> s.transaction(tx -> {
        Future<Void> chain = Future.succeededFuture();
        for (Object key : body.getJsonArray("keys")) {
          chain = chain.compose(v -> EventLog.append(tx, body.getString("type", "test.written"), String.valueOf(key), new JsonObject().put("key", key)));
        }
        return chain;
      }).map(v -> new JsonObject())));
    }
  }

  /** The consumer: records each event it applies, of the type test.written only. */
  public static class Beta extends TestService {
    public Beta() {
      super("beta", s -> s.consume("alpha", type -> type.equals("test.written"), (tx, event) -> {
        String key = event.payload().getString("key");
        return tx.preparedQuery("INSERT INTO applied (key, event_id) VALUES ($1, $2)").execute(Tuple.of(key, event.id()))
            .compose(v -> FAIL_ONCE.remove(key)
                ? Future.failedFuture(new IllegalStateException("died after applying " + key + ", before the commit"))
                : Future.succeededFuture())
            .onFailure(t -> FAILURES.incrementAndGet())
            .mapEmpty();
      }).compose(c -> s.serve("beta.applied", body -> s.pool().query("SELECT key, count(*) FROM applied GROUP BY key").execute()
          .map(rows -> {
            JsonObject counts = new JsonObject();
            rows.forEach(r -> counts.put(r.getString(0), r.getLong(1)));
            return counts;
          }))));
    }
  }

  private Vertx vertx;
  private Path data;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    data = TestData.freshDataDir("consumer");
    JsonObject config = TestData.serviceConfig(data).put("events", new JsonObject().put("poll-ms", 200).put("batch-size", 3));
    await(vertx.deployVerticle(Alpha::new, new DeploymentOptions().setConfig(config)));
    await(vertx.deployVerticle(Beta::new, new DeploymentOptions().setConfig(config).setInstances(2)));
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
    EmbeddedPostgresServer.stopAll();
  }

  @Test
  @DisplayName("a consumer that dies between applying an event and committing applies it once in the end; two instances never apply twice")
  void exactlyOnce() throws Exception {
    FAIL_ONCE.addAll(List.of("k3", "k7", "k20"));
    List<String> keys = new ArrayList<>();
    for (int i = 1; i <= 40; i++) {
      keys.add("k" + i);
    }
    for (int i = 0; i < keys.size(); i += 5) {
      Await.request(vertx, "alpha.write", new JsonObject().put("keys", new JsonArray(keys.subList(i, i + 5))));
    }
    JsonObject counts = new JsonObject();
    long deadline = System.currentTimeMillis() + 20_000;
    while (counts.size() < keys.size() && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
      counts = Await.request(vertx, "beta.applied", new JsonObject());
    }
    assertThat(counts.fieldNames()).containsExactlyInAnyOrderElementsOf(keys);
    assertThat(counts.getMap().values()).allSatisfy(n -> assertThat(n).isEqualTo(1L));
    assertThat(FAIL_ONCE).isEmpty();
    assertThat(FAILURES.get()).isGreaterThanOrEqualTo(3);

    JsonObject lag = Await.request(vertx, EventLogAddresses.lag("beta"), new JsonObject());
    JsonObject alpha = lag.getJsonArray("producers").getJsonObject(0);
    assertThat(alpha.getString("producer")).isEqualTo("alpha");
    assertThat(alpha.getLong("pending")).isZero();
    assertThat(alpha.getLong("consumerPosition")).isEqualTo(alpha.getLong("producerHead")).isEqualTo(40L);
  }

  @Test
  @DisplayName("events of a type the consumer does not act on are passed over: not applied, and its position moves past them")
  void passesOverOtherTypes() throws Exception {
    Await.request(vertx, "alpha.write", new JsonObject().put("type", "test.other").put("keys", new JsonArray(List.of("o1", "o2", "o3"))));
    Await.request(vertx, "alpha.write", new JsonObject().put("keys", new JsonArray(List.of("w1", "w2"))));
    JsonObject producer = new JsonObject();
    long deadline = System.currentTimeMillis() + 20_000;
    while (producer.getLong("consumerPosition", 0L) < 5 && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
      producer = Await.request(vertx, EventLogAddresses.lag("beta"), new JsonObject()).getJsonArray("producers").getJsonObject(0);
    }
    assertThat(producer.getLong("consumerPosition")).isEqualTo(producer.getLong("producerHead")).isEqualTo(5L);
    assertThat(producer.getLong("pending")).isZero();
    JsonObject counts = Await.request(vertx, "beta.applied", new JsonObject());
    assertThat(counts.fieldNames()).containsExactlyInAnyOrder("w1", "w2");
  }
}
