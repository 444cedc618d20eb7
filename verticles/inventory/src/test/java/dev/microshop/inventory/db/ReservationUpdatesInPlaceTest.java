package dev.microshop.inventory.db;

import dev.microshop.common.db.Database;
import dev.microshop.common.db.DbConfig;
import dev.microshop.common.db.EmbeddedPostgresServer;
import dev.microshop.common.testing.InPlaceUpdates;
import dev.microshop.common.testing.TestData;
import dev.microshop.inventory.api.OrderLine;
import dev.microshop.inventory.api.ReserveStock;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A reservation is written three times (claimed, decided, then shipped or released): its updates stay in
 * place (HOT), adding nothing to the table's indexes for autovacuum to clean (migration V8).
 */
class ReservationUpdatesInPlaceTest {

  private static Vertx vertx;
  private static Pool pool;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    pool = await(Database.open(vertx, "inventory", DbConfig.from("inventory", TestData.serviceConfig(TestData.freshDataDir("reservation-hot")))));
  }

  @AfterAll
  static void stop() throws Exception {
    await(vertx.close());
    EmbeddedPostgresServer.stopAll();
  }

  @Test
  @DisplayName("deciding, shipping and releasing reservations updates their rows in place, every time")
  void updatesInPlace() throws Exception {
    ReservationRepository reservations = new ReservationRepository();
    String shipped = UUID.randomUUID().toString();
    String released = UUID.randomUUID().toString();
    List<OrderLine> mug = List.of(new OrderLine("MUG-CLASSIC", 1));
    InPlaceUpdates counts = await(pool.withTransaction(tx -> reservations
        .reserveAll(tx, List.of(new ReserveStock(shipped, mug), new ReserveStock(released, mug)))
        .compose(decided -> reservations.ship(tx, shipped))
        .compose(s -> reservations.release(tx, released))
        .compose(r -> InPlaceUpdates.of(tx, "stock_reservation"))));
    assertThat(counts.updates()).isEqualTo(4); // two decided, one shipped, one released
    assertThat(counts.hot()).as("updates in place (HOT)").isEqualTo(counts.updates());
  }
}
