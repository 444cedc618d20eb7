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

/** A customer database from before the held credit had its column: the migration carries it over. */
class HeldCreditMigrationTest {

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
  @DisplayName("each customer's held credit is the sum of its RESERVED reservations, after the migration, whatever else it has")
  void heldCreditCarriedOver() throws Exception {
    PgConnectOptions options = await(vertx.executeBlocking(() -> Database.prepare("customer", config)));
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(options).using(vertx).build();
    // back to the schema before the column, with reservations of every kind
    await(pool.query("ALTER TABLE customer DROP COLUMN reserved_cents").execute());
    await(pool.query("DELETE FROM flyway_schema_history WHERE version = '2'").execute());
    UUID held = UUID.randomUUID();
    UUID none = UUID.randomUUID();
    for (UUID id : new UUID[] {held, none}) {
      await(pool.preparedQuery("INSERT INTO customer (id, name, email, password_hash, credit_limit_cents)"
          + " VALUES ($1, 'C', $2, 'x', 100000)").execute(Tuple.of(id, id + "@example.com")));
    }
    String[][] reservations = {{"RESERVED", "500"}, {"RESERVED", "700"}, {"RELEASED", "300"}, {"REJECTED", "900"},
        {"PENDING", "50"}};
    for (String[] r : reservations) {
      await(pool.preparedQuery("INSERT INTO credit_reservation (order_id, customer_id, amount_cents, status) VALUES ($1, $2, $3, $4)")
          .execute(Tuple.of(UUID.randomUUID().toString(), held, Long.parseLong(r[1]), r[0])));
    }
    await(pool.close());

    await(vertx.executeBlocking(() -> Database.prepare("customer", config)));
    Pool again = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(options).using(vertx).build();
    CustomerRepository customers = new CustomerRepository();
    assertThat(await(customers.reservedCents(again, held))).isEqualTo(1200);
    assertThat(await(customers.reservedCents(again, none))).isZero();
    await(again.close());
  }
}
