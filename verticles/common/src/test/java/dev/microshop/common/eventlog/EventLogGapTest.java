package dev.microshop.common.eventlog;

import dev.microshop.common.db.Database;
import dev.microshop.common.db.DbConfig;
import dev.microshop.common.db.EmbeddedPostgresServer;
import dev.microshop.common.testing.TestData;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The classic outbox gap, with a horizon that moves: positions are handed out at insert, so
 * transactions that overlap interleave their positions and commit in another order. Each writer
 * takes its transaction id first and appends a moment later, so an older transaction often holds
 * later positions than a younger one; up to {@value #CONCURRENCY} writers overlap, so the oldest
 * running transaction (the reader's horizon) keeps moving while a reader polls every few
 * milliseconds in batches of {@value #LIMIT}, smaller than many transactions.
 *
 * <p>Among them one long transaction stays open while {@value #HELD} others commit, and writes
 * before and after them; its five events cannot fit one batch. That one alone makes each wrong
 * cursor lose events: a position-only cursor skips the younger transactions' lower positions read
 * after it, a {@code tx > last} cursor skips the rest of its events after the first batch, and a
 * reader without the horizon moves past it while it is open. The storm around it checks the same
 * on hundreds of ordinary interleavings.
 */
class EventLogGapTest {

  private static final Logger LOG = LoggerFactory.getLogger(EventLogGapTest.class);
  private static final int TRANSACTIONS = 360;
  private static final int CONCURRENCY = 10;
  private static final int LIMIT = 3;
  private static final int LONG_STARTS_AFTER = 100;
  private static final int HELD = 100;

  private static Vertx vertx;
  private static Pool pool;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    DbConfig config = DbConfig.from("alpha", TestData.serviceConfig(TestData.freshDataDir("gap")));
    PgConnectOptions options = await(vertx.executeBlocking(() -> Database.prepare("alpha", config)));
    pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(CONCURRENCY + 4)).connectingTo(options).using(vertx).build();
  }

  @AfterAll
  static void stop() throws Exception {
    await(pool.close());
    await(vertx.close());
    EmbeddedPostgresServer.stopAll();
  }

  @Test
  @DisplayName("overlapping writers commit out of position order while the horizon moves and one transaction stays open:"
      + " a reader polling in small batches gets exactly the committed events, each once, in (tx, position) order")
  void noGapsWithAMovingHorizon() throws Exception {
    Storm storm = new Storm(new Random(11));
    Context context = vertx.getOrCreateContext();
    // everything runs on one event loop: the storm's bookkeeping needs no locks
    await(Future.<Void>future(p -> context.runOnContext(v -> storm.run().onComplete(p))));
    assertThat(storm.reader.failure.get()).as("a poll failed").isNull();

    // once every writer has finished, the reader catches up and then finds nothing more
    storm.reader.drained = false;
    int maxPolls = storm.committedEvents() / LIMIT + 10;
    for (int i = 0; i < maxPolls && !storm.reader.drained; i++) {
      await(Future.<Void>future(p -> context.runOnContext(v -> storm.reader.poll().onComplete(p))));
    }
    assertThat(storm.reader.drained).as("the reader reached the end of the log").isTrue();

    LOG.info("{} events of {} committed transactions ({} rolled back) read in {} polls; {} polls with events before"
            + " the long transaction, at most {} committed events held back, {} polls (outside the long transaction)"
            + " at the horizon with committed events beyond it, {} read below an earlier poll's position,"
            + " {} polls ended mid-transaction", storm.committedEvents(), storm.committed.size(), storm.rolledBack,
        storm.reader.polls, storm.reader.pollsWithEventsBeforeLong, storm.reader.heldBack,
        storm.reader.atHorizonWhileHeldBack, storm.reader.backwards, storm.reader.splitTransactions);

    // exactly the committed events, once each: transactions in id order, each one's events as written
    List<String> expected = storm.committed.stream()
        .sorted(Comparator.comparingLong(Written::tx))
        .flatMap(w -> w.keys().stream())
        .toList();
    List<String> missing = new ArrayList<>(expected);
    missing.removeAll(storm.reader.seen);
    assertThat(missing).as("committed events the reader never got").isEmpty();
    assertThat(storm.reader.seen).as("events read twice").doesNotHaveDuplicates();
    assertThat(storm.reader.seen).as("events in (tx, position) order").containsExactlyElementsOf(expected);
    // and the workload was one that makes each wrong cursor lose something (see the class comment)
    assertThat(storm.reader.pollsWithEventsBeforeLong).as("polls that got events before the long transaction began")
        .isGreaterThan(1);
    assertThat(storm.reader.heldBack).as("committed events held back by an older open transaction").isPositive();
    assertThat(storm.reader.atHorizonWhileHeldBack)
        .as("polls, outside the long transaction, that reached the horizon while younger committed events waited beyond it")
        .isPositive();
    assertThat(storm.reader.backwards).as("events read after a higher position was read in an earlier poll")
        .isPositive();
    assertThat(storm.reader.splitTransactions).as("polls that ended in the middle of a transaction").isPositive();
    assertThat(storm.rolledBack).as("rolled-back transactions").isPositive();
  }

  /** One committed transaction: its id and the keys of its events, in the order it appended them. */
  private record Written(long tx, List<String> keys) {
  }

  /** The plan of one writer transaction, drawn before the storm starts. */
  private record Plan(String name, int events, long beforeAppendMs, long gapMs, long holdMs, boolean rollback) {

    static Plan draw(String name, Random random) {
      return new Plan(name, 1 + random.nextInt(5), random.nextInt(30), random.nextInt(8), random.nextInt(40),
          random.nextInt(10) == 0);
    }
  }

  private static final class Storm {
    final List<Plan> plans = new ArrayList<>();
    final List<Written> committed = new ArrayList<>();
    final Reader reader = new Reader();
    int rolledBack;
    int started;
    int finished;
    boolean longStarted;
    Future<Void> longTransaction = Future.succeededFuture();

    Storm(Random random) {
      for (int i = 0; i < TRANSACTIONS; i++) {
        plans.add(Plan.draw("w" + i, random));
      }
    }

    int committedEvents() {
      return committed.stream().mapToInt(w -> w.keys().size()).sum();
    }

    Future<Void> run() {
      reader.loop();
      List<Future<Void>> workers = new ArrayList<>();
      for (int i = 0; i < CONCURRENCY; i++) {
        workers.add(worker());
      }
      return Future.join(workers)
          .compose(v -> longTransaction)
          .eventually(reader::stop)
          .mapEmpty();
    }

    /** Runs planned transactions one after another until the plan is done. */
    private Future<Void> worker() {
      if (started == plans.size()) {
        return Future.succeededFuture();
      }
      Plan plan = plans.get(started++);
      return transaction(plan).compose(v -> {
        finished++;
        if (finished == LONG_STARTS_AFTER && !longStarted) {
          longStarted = true;
          reader.longBegan = true;
          reader.longOpen = true;
          longTransaction = longTransaction();
        }
        return worker();
      });
    }

    /** begin; take the transaction id; a moment later append the events, a gap between each; hold; end. */
    private Future<Void> transaction(Plan plan) {
      return pool.getConnection().compose(conn -> conn.begin().compose(tx -> xid(conn).compose(xid -> {
        List<String> keys = new ArrayList<>();
        for (int i = 1; i <= plan.events(); i++) {
          keys.add(plan.name() + "#" + i);
        }
        return delay(plan.beforeAppendMs())
            .compose(v -> append(conn, keys, plan.gapMs()))
            .compose(v -> delay(plan.holdMs()))
            .compose(v -> plan.rollback() ? tx.rollback() : tx.commit())
            .onSuccess(v -> {
              if (plan.rollback()) {
                rolledBack++;
              } else {
                committed.add(new Written(xid, keys));
              }
            });
      })).eventually(conn::close));
    }

    /**
     * Older than the {@value #HELD} transactions that commit while it is open: two events before
     * them, three after them (positions above theirs), then it commits.
     */
    private Future<Void> longTransaction() {
      int heldUntil = finished + HELD;
      return pool.getConnection().compose(conn -> conn.begin().compose(tx -> xid(conn).compose(xid -> {
        List<String> keys = List.of("long#1", "long#2", "long#3", "long#4", "long#5");
        return append(conn, keys.subList(0, 2), 0)
            .compose(v -> until(() -> finished >= heldUntil))
            .compose(v -> {
              int polls = reader.polls;
              return until(() -> reader.polls >= polls + 3); // the reader looked while younger ones were committed
            })
            .compose(v -> append(conn, keys.subList(2, 5), 0))
            .compose(v -> tx.commit())
            .onSuccess(v -> committed.add(new Written(xid, keys)))
            .onComplete(ar -> reader.longOpen = false);
      })).eventually(conn::close));
    }
  }

  /** Polls the log like a consumer: from its own (tx, position), again at once after a full batch. */
  private static final class Reader {
    final List<String> seen = new ArrayList<>();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    long tx;
    long position;
    long highestPositionRead;
    int polls;
    boolean stopped;
    boolean drained;
    boolean longBegan;
    boolean longOpen;
    boolean fullBatch;
    Future<Void> current = Future.succeededFuture();
    // what the workload did, as this reader saw it
    int pollsWithEventsBeforeLong;
    long heldBack;
    int atHorizonWhileHeldBack;
    int backwards;
    int splitTransactions;

    void loop() {
      if (stopped) {
        return;
      }
      current = poll().onFailure(failure::set);
      current.onComplete(ar -> {
        if (fullBatch) {
          loop();
        } else {
          vertx.setTimer(2, id -> loop());
        }
      });
    }

    Future<Void> stop() {
      stopped = true;
      return current.otherwiseEmpty();
    }

    Future<Void> poll() {
      Future<Long> heldBackNow = pool.query(HELD_BACK).execute().map(rows -> rows.iterator().next().getLong(0));
      Future<List<Event>> read = EventLog.read(pool, tx, position, LIMIT);
      return Future.all(heldBackNow, read)
          .map(all -> {
            List<Event> events = read.result();
            polls++;
            drained = events.isEmpty();
            fullBatch = events.size() == LIMIT;
            heldBack = Math.max(heldBack, heldBackNow.result());
            if (!fullBatch && heldBackNow.result() > 0 && !longOpen) {
              atHorizonWhileHeldBack++;
            }
            if (!events.isEmpty()) {
              if (!longBegan) {
                pollsWithEventsBeforeLong++;
              }
              if (events.get(0).tx() == tx) {
                splitTransactions++;
              }
              long highestBefore = highestPositionRead;
              for (Event e : events) {
                if (e.position() < highestBefore) {
                  backwards++;
                }
                highestPositionRead = Math.max(highestPositionRead, e.position());
                seen.add(e.payload().getString("key"));
                tx = e.tx();
                position = e.position();
              }
            }
            return null;
          });
    }
  }

  /** Committed events that a reader may not take yet, because an older transaction is still open. */
  private static final String HELD_BACK =
      "SELECT count(*) FROM event_log WHERE tx >= pg_snapshot_xmin(pg_current_snapshot())::text::bigint";

  private static Future<Long> xid(SqlConnection conn) {
    return conn.query("SELECT pg_current_xact_id()::text::bigint").execute()
        .map(rows -> rows.iterator().next().getLong(0));
  }

  private static Future<Void> append(SqlConnection conn, List<String> keys, long gapMs) {
    Future<Void> chain = Future.succeededFuture();
    for (String key : keys) {
      String aggregate = key.substring(0, key.indexOf('#'));
      chain = chain.compose(v -> delay(gapMs))
          .compose(v -> EventLog.append(conn, "test.happened", aggregate, new JsonObject().put("key", key)));
    }
    return chain;
  }

  private static Future<Void> delay(long ms) {
    if (ms == 0) {
      return Future.succeededFuture();
    }
    return Future.future(p -> vertx.setTimer(ms, id -> p.complete()));
  }

  /** Completes once {@code condition} holds, looking every few milliseconds. */
  private static Future<Void> until(BooleanSupplier condition) {
    if (condition.getAsBoolean()) {
      return Future.succeededFuture();
    }
    Promise<Void> promise = Promise.promise();
    vertx.setPeriodic(5, id -> {
      if (condition.getAsBoolean()) {
        vertx.cancelTimer(id);
        promise.tryComplete();
      }
    });
    return promise.future();
  }
}
