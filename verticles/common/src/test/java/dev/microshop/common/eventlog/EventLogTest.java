package dev.microshop.common.eventlog;

import dev.microshop.common.db.Database;
import dev.microshop.common.db.DbConfig;
import dev.microshop.common.db.EmbeddedPostgresServer;
import dev.microshop.common.testing.TestData;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/** A service's event log: what a transaction appends, and its head. */
class EventLogTest {

  private static final int EVENTS = 5000;

  private static Vertx vertx;
  private static Pool pool;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    pool = await(Database.open(vertx, "alpha", DbConfig.from("alpha", TestData.serviceConfig(TestData.freshDataDir("event-log")))));
  }

  @AfterAll
  static void stop() throws Exception {
    await(vertx.close());
    EmbeddedPostgresServer.stopAll();
  }

  @Test
  @DisplayName("events appended together in one transaction: each once, in the order given, with its type, aggregate,"
      + " payload and traceparent (or none)")
  void appendedInOrder() throws Exception {
    long head = await(EventLog.head(pool, null, null)).getLong("head");
    List<EventLog.NewEvent> given = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      given.add(new EventLog.NewEvent(i % 3 == 0 ? "thing.made" : "thing.changed", "order-" + (39 - i),
          new JsonObject().put("i", i).put("note", "ü \"quoted\" " + i), i % 2 == 0 ? null : "00-trace-" + i));
    }
    await(pool.withTransaction(tx -> EventLog.appendAll(tx, given)));

    List<Event> read = await(EventLog.read(pool, 0, 0, 1000)).stream().filter(e -> e.position() > head).toList();
    assertThat(read).hasSize(40);
    assertThat(read).extracting(Event::position).isSorted().doesNotHaveDuplicates();
    assertThat(read).extracting(Event::tx).containsOnly(read.get(0).tx());
    for (int i = 0; i < 40; i++) {
      EventLog.NewEvent g = given.get(i);
      Event e = read.get(i);
      assertThat(List.of(e.type(), e.aggregateId(), e.payload(), String.valueOf(e.traceParent())))
          .as("event %d", i).containsExactly(g.type(), g.aggregateId(), g.payload(), String.valueOf(g.traceParent()));
      assertThat(e.schemaVersion()).isEqualTo(EventLog.SCHEMA_VERSION);
    }
  }

  /**
   * The head of a producer's log is asked by each of its consumers every poll (their lag gauges), for
   * as long as the shop runs: what it reads must not grow with the log.
   */
  @Test
  @DisplayName("the head of a log of 5000 events: the highest position and what lies after a consumer's, reading a row"
      + " or two of the log, not all of it")
  void headReadsAFewRowsOfALongLog() throws Exception {
    await(pool.query("INSERT INTO event_log (event_id, type, aggregate_id, payload)"
        + " SELECT gen_random_uuid(), 'thing.made', 't-' || i, '{}'::jsonb FROM generate_series(1, " + EVENTS + ") i").execute());
    await(pool.query("ANALYZE event_log").execute());
    Row last = await(pool.query("SELECT tx, position FROM event_log ORDER BY position DESC LIMIT 1 OFFSET 2").execute())
        .iterator().next();

    JsonObject head = await(EventLog.head(pool, last.getLong("tx"), last.getLong("position")));
    assertThat(head.getLong("head")).isEqualTo(last.getLong("position") + 2);
    assertThat(head.getLong("pending")).isEqualTo(2);

    JsonArray plan = (JsonArray) await(pool.query("EXPLAIN (ANALYZE, FORMAT JSON) " + EventLog.HEAD).execute())
        .iterator().next().getValue(0);
    assertThat(rowsScanned(plan.getJsonObject(0).getJsonObject("Plan"))).as("rows the head read, by its plan %s", plan)
        .isLessThanOrEqualTo(2);
  }

  @Test
  @DisplayName("ANALYZE of the log samples its columns but not the payloads (no statement filters on them)")
  void payloadsAreNotSampled() throws Exception {
    await(pool.query("INSERT INTO event_log (event_id, type, aggregate_id, payload)"
        + " SELECT gen_random_uuid(), 'thing.sampled', 's-' || i, jsonb_build_object('i', i) FROM generate_series(1, 200) i")
        .execute());
    await(pool.query("ANALYZE event_log").execute());
    List<String> sampled = new ArrayList<>();
    await(pool.query("SELECT attname FROM pg_stats WHERE tablename = 'event_log' ORDER BY attname").execute())
        .forEach(r -> sampled.add(r.getString(0)));
    assertThat(sampled).contains("type", "aggregate_id").doesNotContain("payload");
  }

  /** The rows the plan's scans returned, in all their loops. */
  private static long rowsScanned(JsonObject node) {
    long rows = node.getString("Node Type").contains("Scan")
        ? node.getLong("Actual Rows") * node.getLong("Actual Loops") : 0;
    for (Object child : node.getJsonArray("Plans", new JsonArray())) {
      rows += rowsScanned((JsonObject) child);
    }
    return rows;
  }
}
