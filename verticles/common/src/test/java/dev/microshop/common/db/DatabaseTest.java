package dev.microshop.common.db;

import dev.microshop.common.testing.TestData;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
class DatabaseTest {

  private static final Path DATA = TestData.freshDataDir("database");

  private static DbConfig config(String service) {
    return DbConfig.from(service, TestData.serviceConfig(DATA));
  }

  @AfterAll
  static void stop() {
    EmbeddedPostgresServer.stopAll();
  }

  @Test
  @DisplayName("migrations run on a fresh database, then find it migrated on every later start, data kept across a server restart")
  void migrations(Vertx vertx, VertxTestContext ctx) throws Throwable {
    DbConfig fresh = DbConfig.from("alpha", TestData.serviceConfig(TestData.freshDataDir("migrations")));
    Pool first = await(Database.open(vertx, "alpha", fresh));
    assertThat(versions(first)).containsExactly("1", "2");
    await(first.preparedQuery("INSERT INTO thing (name, note) VALUES ($1, $2)").execute(Tuple.of("kept", "across restarts")));
    await(first.close());

    Pool again = await(Database.open(vertx, "alpha", fresh));   // already migrated: nothing to do
    assertThat(versions(again)).containsExactly("1", "2");
    await(again.close());

    EmbeddedPostgresServer.stopAll();                                       // the server stops, the data stays
    Pool restarted = await(Database.open(vertx, "alpha", fresh));
    assertThat(versions(restarted)).containsExactly("1", "2");
    Row row = await(restarted.query("SELECT name, note FROM thing").execute()).iterator().next();
    assertThat(row.getString("name")).isEqualTo("kept");
    await(restarted.close());
    ctx.completeNow();
  }

  @Test
  @DisplayName("a query that waits for a free connection longer than db.pool-wait-ms fails as 503 busy, and the pool serves again once a connection is free")
  void poolWaitIsBounded(Vertx vertx, VertxTestContext ctx) throws Throwable {
    io.vertx.core.json.JsonObject conf = TestData.serviceConfig(DATA);
    conf.getJsonObject("db").put("pool-size", 1).put("pool-wait-ms", 300);
    Pool pool = await(Database.open(vertx, "alpha", DbConfig.from("alpha", conf)));
    io.vertx.sqlclient.SqlConnection held = await(pool.getConnection()); // the only connection
    long start = System.nanoTime();
    Throwable waited = null;
    try {
      await(pool.query("SELECT 1").execute());
    } catch (Throwable t) {
      waited = t;
    }
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertThat(waited).as("a query behind a held connection").isNotNull();
    assertThat(ms).isBetween(250L, 2_000L);
    assertThat(dev.microshop.common.failure.Replies.translate(waited).code())
        .isEqualTo(dev.microshop.common.failure.FailureCode.BUSY);
    await(held.close());
    assertThat(await(pool.query("SELECT 1").execute()).size()).isEqualTo(1);
    await(pool.close());
    ctx.completeNow();
  }

  @Test
  @DisplayName("a transaction left open without a statement for db.idle-in-transaction-ms (a stalled JVM) is ended by the server: its row lock holds up another writer only that long")
  void idleTransactionEnds(Vertx vertx, VertxTestContext ctx) throws Throwable {
    io.vertx.core.json.JsonObject conf = TestData.serviceConfig(TestData.freshDataDir("idle-in-transaction"));
    conf.getJsonObject("db").put("idle-in-transaction-ms", 500);
    Pool pool = await(Database.open(vertx, "alpha", DbConfig.from("alpha", conf)));
    await(pool.query("INSERT INTO thing (name) VALUES ('locked')").execute());
    io.vertx.sqlclient.SqlConnection stalled = await(pool.getConnection());
    io.vertx.sqlclient.Transaction tx = await(stalled.begin());
    await(stalled.query("UPDATE thing SET note = 'stalled' WHERE name = 'locked'").execute());
    // and then nothing more, as from a JVM stopped in the middle of its transaction
    long start = System.nanoTime();
    await(pool.query("UPDATE thing SET note = 'other' WHERE name = 'locked'").execute()); // waits for the row lock
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertThat(ms).as("the other writer waited about the idle time, not for ever").isBetween(300L, 5_000L);
    Throwable commit = await(tx.commit().map(v -> (Throwable) null).recover(Future::succeededFuture));
    assertThat(commit).as("the stalled transaction was ended by the server: its commit fails").isNotNull();
    assertThat(await(pool.query("SELECT note FROM thing WHERE name = 'locked'").execute()).iterator().next().getString(0))
        .isEqualTo("other");
    assertThat(await(pool.query("SELECT current_setting('idle_in_transaction_session_timeout')").execute())
        .iterator().next().getString(0)).isEqualTo("500ms");
    await(pool.close());
    ctx.completeNow();
  }

  @Test
  @DisplayName("the embedded server is durable: fsync, synchronous_commit and full_page_writes are on")
  void durable(Vertx vertx, VertxTestContext ctx) throws Throwable {
    Pool pool = await(Database.open(vertx, "alpha", config("alpha")));
    Row row = await(pool.query("SELECT current_setting('fsync'), current_setting('synchronous_commit'),"
        + " current_setting('full_page_writes')").execute()).iterator().next();
    assertThat(row.getString(0)).isEqualTo("on");
    assertThat(row.getString(1)).isEqualTo("on");
    assertThat(row.getString(2)).isEqualTo("on");
    await(pool.close());
    ctx.completeNow();
  }

  @Test
  @DisplayName("the embedded server logs each checkpoint, with how long it wrote and synced (what shares the disk with every commit)")
  void logsCheckpoints() throws Exception {
    Path dir = TestData.freshDataDir("checkpoints");
    EmbeddedPostgresServer server = EmbeddedPostgresServer.acquire(dir.toString(), 0);
    try (var c = java.sql.DriverManager.getConnection("jdbc:postgresql://localhost:" + server.port() + "/postgres", "postgres", "");
         var s = c.createStatement()) {
      s.execute("CHECKPOINT");
    }
    assertThat(EmbeddedPostgresServer.serverLog(dir)).content()
        .contains("checkpoint starting: immediate force wait")
        .containsPattern("checkpoint complete: .*write=[0-9.]+ s, sync=[0-9.]+ s");
  }

  @Test
  @DisplayName("every column of a service's tables is sampled by ANALYZE at statistics target 10, a column set to 0 stays so,"
      + " and a table created since gets 10 at the next start")
  void smallStatistics(Vertx vertx, VertxTestContext ctx) throws Throwable {
    DbConfig fresh = DbConfig.from("alpha", TestData.serviceConfig(TestData.freshDataDir("statistics")));
    Pool pool = await(Database.open(vertx, "alpha", fresh));
    String targets = "SELECT r.relname || '.' || a.attname, a.attstattarget FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid"
        + " WHERE r.relnamespace = 'public'::regnamespace AND r.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped";
    java.util.Map<String, Integer> first = new java.util.TreeMap<>();
    await(pool.query(targets).execute()).forEach(r -> first.put(r.getString(0), r.getInteger(1)));
    assertThat(first).containsEntry("thing.name", 10).containsEntry("event_log.type", 10).containsEntry("event_log.payload", 0)
        .containsEntry("consumer_position.position", 10);
    assertThat(first.values()).as("targets of %s", first).allMatch(t -> t == 10 || t == 0);
    await(pool.query("CREATE TABLE later_thing (id int PRIMARY KEY, note text)").execute());
    await(pool.close());

    Pool again = await(Database.open(vertx, "alpha", fresh));
    java.util.Map<String, Integer> second = new java.util.TreeMap<>();
    await(again.query(targets).execute()).forEach(r -> second.put(r.getString(0), r.getInteger(1)));
    assertThat(second).containsEntry("later_thing.id", 10).containsEntry("later_thing.note", 10);
    await(again.close());
    ctx.completeNow();
  }

  @Test
  @DisplayName("the pool's connections plan each prepared statement once (generic plans), not again for each execution")
  void genericPlans(Vertx vertx, VertxTestContext ctx) throws Throwable {
    Pool pool = await(Database.open(vertx, "alpha", config("alpha")));
    assertThat(await(pool.query("SELECT current_setting('plan_cache_mode')").execute()).iterator().next().getString(0))
        .isEqualTo("force_generic_plan");
    await(pool.close());
    ctx.completeNow();
  }

  @Test
  @DisplayName("on a native transport the pool goes through the embedded server's Unix socket, its role still held to its own"
      + " database there; on NIO over TCP")
  void unixSocket(Vertx nio, VertxTestContext ctx) throws Throwable {
    assertThat(dev.microshop.common.MicroshopVertx.configure(new io.vertx.core.VertxOptions()).getPreferNativeTransport()).isTrue();
    Vertx epoll = Vertx.vertx(new io.vertx.core.VertxOptions().setPreferNativeTransport(true));
    try {
      assertThat(epoll.isNativeTransportEnabled()).as("Netty's epoll transport in the classpath").isTrue();
      await(Database.open(epoll, "beta", config("beta")).compose(Pool::close));
      Pool socket = await(Database.open(epoll, "alpha", config("alpha")));
      // inet_server_addr(): the server's address of a TCP connection, null on a Unix socket
      assertThat(await(socket.query("SELECT inet_server_addr() IS NULL").execute()).iterator().next().getBoolean(0)).isTrue();
      await(socket.close());
      PgConnectOptions alpha = await(epoll.executeBlocking(() -> Database.prepare("alpha", config("alpha"), true)));
      assertThat(alpha.isUsingDomainSocket()).isTrue();
      Pool foreign = PgBuilder.pool().connectingTo(new PgConnectOptions(alpha).setDatabase("beta").setReconnectAttempts(0))
          .using(epoll).build();
      Throwable refused = await(foreign.query("SELECT 1").execute().map(r -> (Throwable) null).recover(Future::succeededFuture));
      assertThat(refused).isInstanceOf(PgException.class);
      await(foreign.close());
    } finally {
      await(epoll.close());
    }
    Pool tcp = await(Database.open(nio, "alpha", config("alpha")));
    assertThat(await(tcp.query("SELECT inet_server_addr() IS NULL").execute()).iterator().next().getBoolean(0)).isFalse();
    await(tcp.close());
    ctx.completeNow();
  }

  @Test
  @DisplayName("a data directory whose path leaves no room for a socket's name: the server starts without one, and the pool"
      + " of a Vert.x on the native transport goes over TCP")
  void pathTooLongForASocket(VertxTestContext ctx) throws Throwable {
    Path deep = TestData.freshDataDir("a-path-longer-than-a-unix-socket-address-can-hold-".repeat(2));
    assertThat(deep.toAbsolutePath().toString().length()).isGreaterThan(92);
    Vertx epoll = Vertx.vertx(new io.vertx.core.VertxOptions().setPreferNativeTransport(true));
    try {
      Pool pool = await(Database.open(epoll, "alpha", DbConfig.from("alpha", TestData.serviceConfig(deep))));
      assertThat(await(pool.query("SELECT inet_server_addr() IS NULL").execute()).iterator().next().getBoolean(0)).isFalse();
      await(pool.close());
    } finally {
      await(epoll.close());
    }
    ctx.completeNow();
  }

  @Test
  @DisplayName("a service's role writes and reads its own database and reaches no other")
  void isolation(Vertx vertx, VertxTestContext ctx) throws Throwable {
    await(Database.open(vertx, "beta", config("beta")).compose(Pool::close));
    PgConnectOptions alpha = await(vertx.executeBlocking(() -> Database.prepare("alpha", config("alpha"))));

    Pool own = PgBuilder.pool().connectingTo(alpha).using(vertx).build();
    await(own.preparedQuery("INSERT INTO thing (name) VALUES ($1)").execute(Tuple.of("written by alpha's role")));
    java.util.List<String> names = new java.util.ArrayList<>();
    await(own.query("SELECT name FROM thing").execute()).forEach(r -> names.add(r.getString(0)));
    assertThat(names).containsExactly("written by alpha's role");
    await(own.close());

    Pool foreign = PgBuilder.pool().connectingTo(new PgConnectOptions(alpha).setDatabase("beta")
        .setReconnectAttempts(0)).using(vertx).build();
    Throwable refused = await(foreign.query("SELECT * FROM secret").execute().map(r -> (Throwable) null)
        .recover(Future::succeededFuture));
    assertThat(refused).isInstanceOf(PgException.class);
    assertThat(((PgException) refused).getSqlState()).isEqualTo("28000"); // no pg_hba.conf entry
    await(foreign.close());
    ctx.completeNow();
  }

  private static java.util.List<String> versions(Pool pool) throws Throwable {
    var rows = await(pool.query("SELECT version FROM flyway_schema_history WHERE success AND type <> 'BASELINE' ORDER BY installed_rank").execute());
    java.util.List<String> out = new java.util.ArrayList<>();
    rows.forEach(r -> out.add(r.getString(0)));
    return out;
  }

  static <T> T await(Future<T> f) throws Throwable {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause();
    }
  }
}
