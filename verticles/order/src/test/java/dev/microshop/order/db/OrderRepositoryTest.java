package dev.microshop.order.db;

import dev.microshop.common.db.Database;
import dev.microshop.common.db.DbConfig;
import dev.microshop.common.db.EmbeddedPostgresServer;
import dev.microshop.common.eventlog.Event;
import dev.microshop.common.eventlog.EventLog;
import dev.microshop.common.testing.TestData;
import dev.microshop.inventory.api.OrderLine;
import dev.microshop.order.api.Milestone;
import dev.microshop.order.api.OrderStatus;
import dev.microshop.order.api.PlaceOrder;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Placements and the moves of several orders in one statement ({@link OrderRepository#transitionAll}). */
class OrderRepositoryTest {

  private static Vertx vertx;
  private static Pool pool;
  private static final OrderRepository orders = new OrderRepository();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    pool = await(Database.open(vertx, "order", DbConfig.from("order",
        TestData.serviceConfig(TestData.freshDataDir("order-repository")))));
  }

  @AfterAll
  static void stop() throws Exception {
    await(vertx.close());
    EmbeddedPostgresServer.stopAll();
  }

  @Test
  @DisplayName("each order of a batch moves on its own, answered in the batch's order, though the rows are updated in id order")
  void movesInOneTransaction() throws Exception {
    Order a = placed("a");
    Order b = placed("b");
    Order c = placed("c");
    // c moved by another driver meanwhile: its move in the batch is stale
    await(pool.withTransaction(tx -> orders.transition(tx, c, reserved(c), 10_000)));
    // the batch's order: the ids descending, so that it differs from the order the rows are updated in
    List<Order> batch = List.of(a, b, c).stream().sorted((x, y) -> y.id().compareTo(x.id())).toList();
    List<Boolean> moved = await(pool.withTransaction(tx -> orders.transitionAll(tx,
        batch.stream().map(o -> new OrderRepository.Move(o, reserved(o))).toList(), 10_000)));
    assertThat(moved).containsExactlyElementsOf(batch.stream().map(o -> o != c).toList());
    for (Order o : List.of(a, b, c)) {
      Order now = await(orders.get(pool, o.id())).orElseThrow();
      assertThat(now.step()).isEqualTo(SagaStep.RESERVE_CREDIT);
      assertThat(now.version()).isEqualTo(o.version() + 1); // c once, by the other driver; never twice
      assertThat(await(orders.timeline(pool, o.id())).stream().map(e -> ((JsonObject) e).getString("event")))
          .containsExactly("PLACED", "STOCK_RESERVED");
      assertThat(events(o)).as("the stale move wrote no event either")
          .containsExactly(Milestone.PLACED.eventType(), Milestone.STOCK_RESERVED.eventType());
    }
  }

  @Test
  @DisplayName("an order twice in one batch moves once: the second move is stale, and its milestones are not written")
  void sameOrderTwiceInABatch() throws Exception {
    Order g = placed("g");
    Order.Transition rejected = g.to(OrderStatus.REJECTED, SagaStep.DONE, "no stock", Milestone.REJECTED);
    List<Boolean> moved = await(orders.transitionAll(pool,
        List.of(new OrderRepository.Move(g, reserved(g)), new OrderRepository.Move(g, rejected)), 10_000));
    assertThat(moved).containsExactly(true, false);
    Order now = await(orders.get(pool, g.id())).orElseThrow();
    assertThat(now.step()).isEqualTo(SagaStep.RESERVE_CREDIT);
    assertThat(now.version()).isEqualTo(g.version() + 1);
    assertThat(await(orders.timeline(pool, g.id())).stream().map(e -> ((JsonObject) e).getString("event")))
        .containsExactly("PLACED", "STOCK_RESERVED");
    assertThat(events(g)).containsExactly(Milestone.PLACED.eventType(), Milestone.STOCK_RESERVED.eventType());
  }

  @Test
  @DisplayName("a batch of moves of two milestones each: every order's timeline numbered on from its own, in order")
  void milestonesOfSeveralOrdersInOrder() throws Exception {
    List<Order> placed = List.of(placed("d"), placed("e"), placed("f"));
    await(pool.withTransaction(tx -> orders.transitionAll(tx,
        placed.stream().map(o -> new OrderRepository.Move(o, reserved(o))).toList(), 10_000)));
    List<Order> reserved = new ArrayList<>();
    for (Order o : placed) {
      reserved.add(await(orders.get(pool, o.id())).orElseThrow());
    }
    List<OrderRepository.Move> approvals = reserved.stream().map(o -> new OrderRepository.Move(o,
        o.to(OrderStatus.APPROVED, SagaStep.DONE, null, Milestone.CREDIT_RESERVED, Milestone.APPROVED))).toList();
    List<Boolean> moved = await(pool.withTransaction(tx -> orders.transitionAll(tx, approvals, 10_000)));
    assertThat(moved).containsOnly(true);
    for (Order o : placed) {
      List<JsonObject> timeline = await(orders.timeline(pool, o.id())).stream().map(JsonObject.class::cast).toList();
      assertThat(timeline).extracting(e -> e.getString("event"))
          .containsExactly("PLACED", "STOCK_RESERVED", "CREDIT_RESERVED", "APPROVED");
      assertThat(timeline).extracting(e -> OffsetDateTime.parse(e.getString("at"))).isSorted();
      assertThat(events(o)).as("the events in the log's order: the milestones' order")
          .containsExactly(Milestone.PLACED.eventType(), Milestone.STOCK_RESERVED.eventType(),
              Milestone.CREDIT_RESERVED.eventType(), Milestone.APPROVED.eventType());
    }
  }

  @Test
  @DisplayName("a move through a state not stored: one version up, the passed state's milestones first, each event with the order as it was then")
  void moveThroughAState() throws Exception {
    Order h = placed("h");
    Order.Transition stock = reserved(h);
    Order passing = h.passing(stock);
    assertThat(passing.version()).as("passing a state stores nothing").isEqualTo(h.version());
    Order.Transition approved = passing.to(OrderStatus.APPROVED, SagaStep.DONE, null, Milestone.CREDIT_RESERVED,
        Milestone.APPROVED).through(stock);
    assertThat(await(orders.transitionAll(pool, List.of(new OrderRepository.Move(passing, approved)), 10_000)))
        .containsExactly(true);
    Order now = await(orders.get(pool, h.id())).orElseThrow();
    assertThat(now.version()).isEqualTo(h.version() + 1);
    assertThat(now.status()).isEqualTo(OrderStatus.APPROVED);
    assertThat(now.totalCents()).isEqualTo(500L);
    assertThat(await(orders.timeline(pool, h.id())).stream().map(e -> ((JsonObject) e).getString("event")))
        .containsExactly("PLACED", "STOCK_RESERVED", "CREDIT_RESERVED", "APPROVED");
    List<Event> events = await(EventLog.read(pool, 0, 0, 100_000)).stream()
        .filter(e -> e.aggregateId().equals(h.id().toString())).toList();
    assertThat(events).extracting(Event::type).containsExactly(Milestone.PLACED.eventType(),
        Milestone.STOCK_RESERVED.eventType(), Milestone.CREDIT_RESERVED.eventType(), Milestone.APPROVED.eventType());
    assertThat(events).extracting(e -> e.payload().getString("status"))
        .containsExactly("PENDING", "PENDING", "APPROVED", "APPROVED");
  }

  /** The types of the order's events, in the order a reader of the log gets them. */
  private static List<String> events(Order o) throws Exception {
    return await(EventLog.read(pool, 0, 0, 100_000)).stream().filter(e -> e.aggregateId().equals(o.id().toString()))
        .map(Event::type).toList();
  }

  private static Order.Transition reserved(Order o) {
    return new Order.Transition(OrderStatus.PENDING, SagaStep.RESERVE_CREDIT, o.lines(), 500L, null,
        List.of(Milestone.STOCK_RESERVED));
  }

  private static Order placed(String key) throws Exception {
    UUID id = UUID.randomUUID();
    PlaceOrder cmd = new PlaceOrder(UUID.randomUUID(), key + "-" + id, List.of(new OrderLine("MUG-CLASSIC", 1)), null);
    Order stored = await(pool.withTransaction(tx -> orders.insert(tx, id, cmd, 10_000, null))).orElseThrow();
    assertThat(stored).as("the order as the placement stored it").isEqualTo(await(orders.get(pool, id)).orElseThrow());
    Optional<Order> again = await(orders.insert(pool, UUID.randomUUID(), cmd, 10_000, null));
    assertThat(again).as("the same idempotency key again").isEmpty();
    assertThat(await(orders.timeline(pool, id))).as("one PLACED milestone, not one per attempt").hasSize(1);
    assertThat(events(stored)).containsExactly(Milestone.PLACED.eventType());
    return stored;
  }
}
