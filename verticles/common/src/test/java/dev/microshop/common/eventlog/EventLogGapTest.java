package dev.microshop.common.eventlog;

import dev.microshop.common.db.DbConfig;
import dev.microshop.common.db.EmbeddedPostgresServer;
import dev.microshop.common.testing.TestData;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The classic outbox gap: positions are handed out at insert, transactions commit in another
 * order. 32 writers hold their transactions open for random times (one across many polls, one
 * rolls back) while a reader polls; it must see exactly the committed events, each once, in a
 * valid order per aggregate. A naive reader ({@code position > last}) beside it loses the event
 * that committed late, so the test can tell the two apart.
 */
class EventLogGapTest {

  private static Vertx vertx;
  private static Pool pool;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    DbConfig config = DbConfig.from("alpha", TestData.serviceConfig(TestData.freshDataDir("gap")));
    PgConnectOptions options = await(vertx.executeBlocking(() -> dev.microshop.common.db.Database.prepare("alpha", config)));
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(40)).connectingTo(options).using(vertx).build();
  }

  @AfterAll
  static void stop() throws Exception {
    await(pool.close());
    await(vertx.close());
    EmbeddedPostgresServer.stopAll();
  }

  @Test
  @DisplayName("32 writers committing out of order, one open across polls, one rolled back: the reader gets every committed event once, in order per aggregate")
  void noGaps() throws Exception {
    Set<String> committed = ConcurrentHashMap.newKeySet();
    Set<String> rolledBack = ConcurrentHashMap.newKeySet();
    Random random = new Random(7);

    // the late one: first to take positions, last to commit, open across many polls
    Promise<Void> lateAppended = Promise.promise();
    Future<Void> late = writer("late", 2, 2500, false, committed, rolledBack, lateAppended);
    await(lateAppended.future());
    int expected = 4;

    Reader safe = new Reader(false);
    Reader naive = new Reader(true);
    long poller = vertx.setPeriodic(40, id -> {
      safe.poll();
      naive.poll();
    });

    List<Future<Void>> writers = new ArrayList<>();
    writers.add(late);
    for (int i = 0; i < 30; i++) {
      int n = 1 + random.nextInt(3);
      expected += 2 * n;
      writers.add(writer("w" + i, n, random.nextInt(400), false, committed, rolledBack, Promise.promise()));
    }
    writers.add(writer("rollback", 3, 300, true, committed, rolledBack, Promise.promise()));
    await(Future.join(writers));
    Thread.sleep(300);
    vertx.cancelTimer(poller);
    await(safe.poll());
    await(naive.poll());

    assertThat(committed).hasSize(expected);
    assertThat(rolledBack).hasSize(6);
    assertThat(safe.seen).as("no duplicates").doesNotHaveDuplicates();
    assertThat(new HashSet<>(safe.seen)).isEqualTo(committed);
    assertThat(safe.seen).doesNotContainAnyElementsOf(rolledBack);
    // per aggregate: the order written (seq 1, 2, 3 of each writer's two transactions)
    Map<String, Integer> lastSeq = new HashMap<>();
    for (String key : safe.seen) {
      String aggregate = key.substring(0, key.indexOf('#'));
      int seq = Integer.parseInt(key.substring(key.indexOf('#') + 1));
      assertThat(seq).as("order of %s", aggregate).isGreaterThan(lastSeq.getOrDefault(aggregate, 0));
      lastSeq.put(aggregate, seq);
    }
    // the naive reader moved past the late transaction's positions while it was open
    assertThat(naive.seen).doesNotContain("late#1", "late#2");
    assertThat(safe.seen).contains("late#1", "late#2", "late#3", "late#4");
  }

  /**
   * A writer: two transactions on its aggregate, one after the other; each appends {@code n}
   * events and is held open for {@code holdMs} before it commits (or rolls back).
   */
  private Future<Void> writer(String aggregate, int n, long holdMs, boolean rollback, Set<String> committed,
                              Set<String> rolledBack, Promise<Void> appended) {
    int[] seq = {0};
    return transaction(aggregate, n, holdMs, rollback, seq, committed, rolledBack, appended)
        .compose(v -> transaction(aggregate, n, 10, rollback, seq, committed, rolledBack, Promise.promise()));
  }

  private Future<Void> transaction(String aggregate, int n, long holdMs, boolean rollback, int[] seq,
                                   Set<String> committed, Set<String> rolledBack, Promise<Void> appended) {
    return pool.getConnection().compose(conn -> conn.begin().compose(tx -> {
      List<String> keys = new ArrayList<>();
      Future<Void> chain = Future.succeededFuture();
      for (int i = 0; i < n; i++) {
        String key = aggregate + "#" + (++seq[0]);
        keys.add(key);
        chain = chain.compose(v -> EventLog.append(conn, "test.happened", aggregate, new JsonObject().put("key", key)));
      }
      return chain
          .onSuccess(v -> appended.tryComplete())
          .compose(v -> delay(holdMs))
          .compose(v -> rollback ? tx.rollback() : tx.commit())
          .onSuccess(v -> (rollback ? rolledBack : committed).addAll(keys));
    }).eventually(conn::close));
  }

  private static Future<Void> delay(long ms) {
    return Future.future(p -> vertx.setTimer(Math.max(1, ms), id -> p.complete()));
  }

  /** Polls the log from its own position, like a consumer. */
  private static final class Reader {
    final boolean naive;
    final List<String> seen = new ArrayList<>();
    long tx;
    long position;
    boolean busy;

    Reader(boolean naive) {
      this.naive = naive;
    }

    Future<Void> poll() {
      if (busy) {
        return Future.succeededFuture();
      }
      busy = true;
      Future<List<String>> read = naive ? naiveRead() : EventLog.read(pool, tx, position, 1000).map(events -> {
        events.forEach(e -> {
          tx = e.tx();
          position = e.position();
        });
        return events.stream().map(e -> e.payload().getString("key")).toList();
      });
      return read.onSuccess(seen::addAll).<Void>mapEmpty().eventually(() -> {
        busy = false;
        return Future.succeededFuture();
      });
    }

    private Future<List<String>> naiveRead() {
      return pool.preparedQuery("SELECT position, payload FROM event_log WHERE position > $1 ORDER BY position")
          .execute(Tuple.of(position)).map(rows -> {
            List<String> keys = new ArrayList<>();
            for (Row r : rows) {
              position = r.getLong("position");
              keys.add(((JsonObject) r.getValue("payload")).getString("key"));
            }
            return keys;
          });
    }
  }
}
