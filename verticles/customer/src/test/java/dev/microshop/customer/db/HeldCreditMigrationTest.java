package dev.microshop.customer.db;

import dev.microshop.common.db.Database;
import dev.microshop.common.db.DbConfig;
import dev.microshop.common.db.EmbeddedPostgresServer;
import dev.microshop.common.testing.TestData;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A customer database from before the held credit had its column: the migration carries it over,
 * and the column follows the reservations whatever writes them (the previous version's code, still
 * running on other instances during a rolling upgrade, knows nothing of it).
 */
class HeldCreditMigrationTest {

  private static final String INSERT = "INSERT INTO credit_reservation (order_id, customer_id, amount_cents, status)"
      + " VALUES ($1, $2, $3, $4)";

  private static Vertx vertx;
  private static DbConfig config;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    config = DbConfig.from("customer", TestData.serviceConfig(TestData.freshDataDir("held-credit-migration")));
  }

  @AfterAll
  static void stop() throws Exception {
    await(vertx.close());
    EmbeddedPostgresServer.stopAll();
  }

  @Test
  @DisplayName("each customer's held credit is the sum of its RESERVED reservations after the migration, and stays so"
      + " through reservations written as the previous version wrote them")
  void heldCreditCarriedOver() throws Exception {
    PgConnectOptions options = await(vertx.executeBlocking(() -> Database.prepare("customer", config)));
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(options).using(vertx).build();
    // back to the schema before the column (and before V3, which came after it), with reservations of every kind
    await(pool.query("CREATE INDEX credit_reservation_reserved ON credit_reservation (customer_id) WHERE status = 'RESERVED'").execute());
    await(pool.query("ALTER TABLE credit_reservation RESET (fillfactor)").execute());
    await(pool.query("DELETE FROM flyway_schema_history WHERE version = '3'").execute());
    await(pool.query("DROP TRIGGER credit_reservation_held ON credit_reservation").execute());
    await(pool.query("DROP FUNCTION credit_reservation_held()").execute());
    await(pool.query("ALTER TABLE customer DROP COLUMN reserved_cents").execute());
    await(pool.query("DELETE FROM flyway_schema_history WHERE version = '2'").execute());
    UUID held = UUID.randomUUID();
    UUID none = UUID.randomUUID();
    for (UUID id : new UUID[] {held, none}) {
      await(pool.preparedQuery("INSERT INTO customer (id, name, email, password_hash, credit_limit_cents)"
          + " VALUES ($1, 'C', $2, 'x', 100000)").execute(Tuple.of(id, id + "@example.com")));
    }
    String[][] reservations = {{"a", "RESERVED", "500"}, {"b", "RESERVED", "700"}, {"c", "RELEASED", "300"},
        {"d", "REJECTED", "900"}, {"e", "PENDING", "50"}};
    for (String[] r : reservations) {
      await(pool.preparedQuery(INSERT).execute(Tuple.of(held + r[0], held, Long.parseLong(r[2]), r[1])));
    }
    await(pool.close());

    await(vertx.executeBlocking(() -> Database.prepare("customer", config)));
    Pool again = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(options).using(vertx).build();
    CustomerRepository customers = new CustomerRepository();
    assertThat(await(customers.reservedCents(again, held))).isEqualTo(1200);
    assertThat(await(customers.reservedCents(again, none))).isZero();

    // the previous version's statements: a claim, its decision, a release, and a reservation gone
    await(again.preparedQuery(INSERT).execute(Tuple.of(none + "f", none, 400L, "PENDING")));
    await(again.query("UPDATE credit_reservation SET status = 'RESERVED' WHERE order_id = '" + none + "f'").execute());
    await(again.query("UPDATE credit_reservation SET status = 'RESERVED' WHERE order_id = '" + held + "e'").execute());
    await(again.query("UPDATE credit_reservation SET status = 'RELEASED' WHERE order_id = '" + held + "b'").execute());
    await(again.query("DELETE FROM credit_reservation WHERE order_id = '" + held + "a'").execute());
    assertThat(await(customers.reservedCents(again, held))).isEqualTo(50);
    assertThat(await(customers.reservedCents(again, none))).isEqualTo(400);
    await(again.close());
  }
}
