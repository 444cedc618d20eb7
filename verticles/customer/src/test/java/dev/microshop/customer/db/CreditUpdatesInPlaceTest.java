package dev.microshop.customer.db;

import dev.microshop.common.db.Database;
import dev.microshop.common.db.DbConfig;
import dev.microshop.common.db.EmbeddedPostgresServer;
import dev.microshop.common.testing.InPlaceUpdates;
import dev.microshop.common.testing.TestData;
import dev.microshop.customer.api.ReserveCredit;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A credit reservation is written two or three times (claimed, decided, maybe released): its updates stay
 * in place (HOT), adding nothing to the table's indexes for autovacuum to clean (migration V3).
 */
class CreditUpdatesInPlaceTest {

  private static Vertx vertx;
  private static Pool pool;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    pool = await(Database.open(vertx, "customer", DbConfig.from("customer", TestData.serviceConfig(TestData.freshDataDir("credit-hot")))));
  }

  @AfterAll
  static void stop() throws Exception {
    await(vertx.close());
    EmbeddedPostgresServer.stopAll();
  }

  @Test
  @DisplayName("deciding and releasing credit reservations updates their rows in place, every time")
  void updatesInPlace() throws Exception {
    UUID customer = UUID.randomUUID();
    await(pool.preparedQuery("INSERT INTO customer (id, name, email, password_hash, credit_limit_cents)"
        + " VALUES ($1, 'C', $2, 'x', 100000)").execute(Tuple.of(customer, customer + "@example.com")));
    CustomerRepository customers = new CustomerRepository();
    String held = UUID.randomUUID().toString();
    String released = UUID.randomUUID().toString();
    String rejected = UUID.randomUUID().toString();
    InPlaceUpdates counts = await(pool.withTransaction(tx -> customers.reserveAll(tx, List.of(
            new ReserveCredit(held, customer, 500), new ReserveCredit(released, customer, 700),
            new ReserveCredit(rejected, customer, 1_000_000)))
        .compose(decided -> customers.release(tx, released))
        .compose(r -> InPlaceUpdates.of(tx, "credit_reservation"))));
    assertThat(counts.updates()).isEqualTo(4); // three decided, one released
    assertThat(counts.hot()).as("updates in place (HOT)").isEqualTo(counts.updates());
  }
}
