package dev.microshop.common.db;

import dev.microshop.common.testing.TestData;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static dev.microshop.common.db.DatabaseTest.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Transactions#run}: the work's first statement goes behind the {@code BEGIN} without waiting
 * for its answer, inside the transaction; commit and rollback as {@code withTransaction}.
 */
class TransactionsTest {

  private static Vertx vertx;
  private static Pool direct;
  /** Through a proxy that counts the client's turns: a write after an answer is a new round trip. */
  private static Pool proxied;
  private static final AtomicInteger TURNS = new AtomicInteger();

  @BeforeAll
  static void start() throws Throwable {
    vertx = Vertx.vertx();
    io.vertx.core.json.JsonObject conf = TestData.serviceConfig(TestData.freshDataDir("transactions"));
    conf.getJsonObject("db").put("pool-size", 1).put("pool-wait-ms", 3000); // a connection not given back fails the next one
    DbConfig config = DbConfig.from("alpha", conf);
    direct = await(Database.open(vertx, "alpha", config));
    PgConnectOptions server = Database.prepare("alpha", config);
    NetServer proxy = await(vertx.createNetServer().connectHandler(client -> relay(client, server)).listen(0, "127.0.0.1"));
    proxied = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
        .connectingTo(new PgConnectOptions(server).setHost("127.0.0.1").setPort(proxy.actualPort())).using(vertx).build();
    await(proxied.query("SELECT 1").execute()); // the connection made (start-up, authentication) before any count
  }

  /**
   * Relays a client to the server. The server's answers reach the client 50 ms late, so whatever the
   * client sends without waiting for an answer is on its way before any answer comes back.
   */
  private static void relay(NetSocket client, PgConnectOptions server) {
    client.pause();
    vertx.createNetClient().connect(server.getPort(), server.getHost()).onSuccess(upstream -> {
      boolean[] answered = {true};
      client.handler(data -> {
        if (answered[0]) {
          TURNS.incrementAndGet();
          answered[0] = false;
        }
        upstream.write(data);
      });
      upstream.handler(data -> vertx.setTimer(50, id -> {
        answered[0] = true;
        client.write(data);
      }));
      client.closeHandler(v -> upstream.close());
      upstream.closeHandler(v -> client.close());
      client.resume();
    }).onFailure(t -> client.close());
  }

  @AfterAll
  static void stop() throws Throwable {
    await(vertx.close());
    EmbeddedPostgresServer.stopAll();
  }

  private static Function<SqlConnection, Future<List<String>>> twoStatements() {
    return conn -> conn.query("SELECT pg_current_xact_id()::text").execute()
        .compose(first -> conn.query("SELECT pg_current_xact_id()::text, now() = statement_timestamp()").execute()
            .map(second -> List.of(first.iterator().next().getString(0), second.iterator().next().getString(0),
                String.valueOf(second.iterator().next().getBoolean(1)))));
  }

  @Test
  @DisplayName("a transaction of two statements takes three round trips (BEGIN with the first, the second, COMMIT), against four with withTransaction")
  void beginTakesNoRoundTripOfItsOwn() throws Throwable {
    TURNS.set(0);
    List<String> run = await(Transactions.run(proxied, twoStatements()));
    assertThat(TURNS.get()).as("round trips of Transactions.run").isEqualTo(3);
    assertThat(run.get(0)).as("the first statement, sent with the BEGIN, is in the transaction").isEqualTo(run.get(1));
    assertThat(run.get(2)).as("the second statement in a transaction begun before it").isEqualTo("false");
    TURNS.set(0);
    await(proxied.withTransaction(twoStatements()));
    assertThat(TURNS.get()).as("round trips of withTransaction").isEqualTo(4);
  }

  @Test
  @DisplayName("the work's writes are committed when it succeeds, rolled back when it fails (a failed statement, or a throw);"
      + " the pool's only connection is given back each time")
  void commitsOrRollsBack() throws Throwable {
    await(direct.query("DELETE FROM thing WHERE name LIKE 'tx-%'").execute());
    await(Transactions.run(direct, conn -> conn.query("INSERT INTO thing (name) VALUES ('tx-kept')").execute()));
    Throwable failed = await(Transactions.run(direct, conn -> conn.query("INSERT INTO thing (name) VALUES ('tx-failed')").execute()
        .compose(v -> conn.query("SELECT 1/0").execute())).map(v -> (Throwable) null).recover(Future::succeededFuture));
    assertThat(failed).hasMessageContaining("division by zero");
    Throwable thrown = await(Transactions.<Object>run(direct, conn -> {
      conn.query("INSERT INTO thing (name) VALUES ('tx-thrown')").execute();
      throw new IllegalStateException("the work threw");
    }).map(v -> (Throwable) null).recover(Future::succeededFuture));
    assertThat(thrown).hasMessage("the work threw");
    List<String> names = await(direct.query("SELECT name FROM thing WHERE name LIKE 'tx-%' ORDER BY name").execute()).stream()
        .map(r -> r.getString(0)).toList();
    assertThat(names).containsExactly("tx-kept");
  }
}
