package dev.microshop.common.discovery;

import dev.microshop.common.failure.FailureCode;
import dev.microshop.common.failure.ServiceException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The caller's side of a request: a service that is away for a moment is looked up once more; of
 * two instances, one that does not answer stops costing anything after a few requests; a call never
 * takes longer than its timeout, and a message that waited past its deadline is not run.
 */
class ServiceClientTest {

  private Vertx vertx;
  private ServiceRegistry registry;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    registry = new ServiceRegistry(vertx);
    vertx.eventBus().<JsonObject>consumer("gamma.ping", m -> m.reply(new JsonObject().put("pong", m.body().getInteger("n"))));
  }

  @AfterEach
  void stop() throws Exception {
    registry.close();
    await(vertx.close());
  }

  @Test
  @DisplayName("a request while the service has no published record (withdrawn, about to be published again) is answered once the record is back")
  void looksAgainForAServiceAwayForAMoment() throws Exception {
    ServiceClient client = new ServiceClient(vertx, registry, "gamma", 2_000);
    Future<JsonObject> answer = client.request("gamma.ping", new JsonObject().put("n", 7));
    vertx.setTimer(150, id -> registry.publishEventBusService("gamma", "gamma"));
    assertThat(await(answer).getInteger("pong")).isEqualTo(7);
  }

  @Test
  @DisplayName("a service that stays away fails with 503 after the second look, without sending")
  void failsWith503WhenTheServiceStaysAway() {
    ServiceClient client = new ServiceClient(vertx, registry, "gamma", 2_000);
    long start = System.nanoTime();
    assertThatThrownBy(() -> await(client.requestIdempotent("gamma.ping", new JsonObject().put("n", 1))))
        .isInstanceOfSatisfying(ServiceException.class, se -> assertThat(se.code()).isEqualTo(FailureCode.UNAVAILABLE));
    assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(500);
  }

  @Test
  @DisplayName("of two instances, a stalled one (it takes requests, never answers) costs a slow request at most three times, then none")
  void routesAroundAStalledInstance() throws Exception {
    vertx.eventBus().<JsonObject>consumer(ServiceRegistry.instanceAddress("delta.ping", "a"), m -> m.reply(new JsonObject()
        .put("from", "a").put("for", m.address())));
    vertx.eventBus().<JsonObject>consumer(ServiceRegistry.instanceAddress("delta.ping", "b"), m -> { }); // stalled
    await(registry.publishEventBusService("delta", "delta", new JsonObject().put("instance", "a").put(ServiceRegistry.OWN_ADDRESS, true)));
    await(registry.publishEventBusService("delta", "delta", new JsonObject().put("instance", "b").put(ServiceRegistry.OWN_ADDRESS, true)));
    await(registry.sweep());
    assertThat(registry.upInstances("delta")).containsExactly("a", "b");

    ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(InstanceHealth.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> log = new ch.qos.logback.core.read.ListAppender<>();
    log.start();
    logger.addAppender(log);
    System.setProperty("microshop.routing", "instances"); // read when the client is created
    ServiceClient client = new ServiceClient(vertx, registry, "delta", 3_000);
    System.clearProperty("microshop.routing");
    int slow = 0;
    for (int i = 0; i < 20; i++) {
      long start = System.nanoTime();
      JsonObject answer = await(client.requestIdempotent("delta.ping", new JsonObject()));
      assertThat(answer.getString("from")).isEqualTo("a");
      assertThat(answer.getString("for")).isEqualTo("delta.ping@a");
      if ((System.nanoTime() - start) / 1_000_000 >= ServiceClient.SLOW_MS) {
        slow++;
      }
    }
    assertThat(slow).as("requests answered only after the second instance was asked").isBetween(1, InstanceHealth.EJECT_AFTER);
    assertThat(client.instancesView().getJsonArray("instances").stream().map(o -> (JsonObject) o)
        .filter(o -> o.getString("instance").equals("b")).findFirst().orElseThrow().getBoolean("inRotation")).isFalse();
    logger.detachAppender(log);
    assertThat(log.list).extracting(e -> e.getFormattedMessage()).as("the caller's log names the instance and its JVM")
        .containsExactly("delta instance b (" + java.lang.management.ManagementFactory.getRuntimeMXBean().getName()
            + ") out of rotation for 5000 ms: 3 requests in a row failed or came later than 500 ms");
  }

  @Test
  @DisplayName("with per-instance routing, the one instance up is asked at its own address, not at the shared one, where an instance that withdrew its record and is stopping may still listen")
  void oneInstanceAtItsOwnAddress() throws Exception {
    vertx.eventBus().<JsonObject>consumer("eta.ping", m -> { }); // the stopping instance's consumer: takes, never answers
    vertx.eventBus().<JsonObject>consumer(ServiceRegistry.instanceAddress("eta.ping", "a"), m -> m.reply(new JsonObject().put("from", "a")));
    await(registry.publishEventBusService("eta", "eta", new JsonObject().put("instance", "a").put(ServiceRegistry.OWN_ADDRESS, true)));
    await(registry.sweep());
    assertThat(registry.upInstances("eta")).containsExactly("a");

    System.setProperty("microshop.routing", "instances"); // read when the client is created
    ServiceClient client = new ServiceClient(vertx, registry, "eta", 1_000);
    System.clearProperty("microshop.routing");
    for (int i = 0; i < 5; i++) {
      assertThat(await(client.request("eta.ping", new JsonObject())).getString("from")).isEqualTo("a");
    }
  }

  @Test
  @DisplayName("a call's budget is its timeout: an idempotent read nobody answers fails after the timeout, not after a retry too")
  void noStackedTimeouts() throws Exception {
    vertx.eventBus().<JsonObject>consumer(ServiceRegistry.instanceAddress("epsilon.ping", "e"), m -> { }); // takes it, never answers
    await(registry.publishEventBusService("epsilon", "epsilon", new JsonObject().put("instance", "e").put(ServiceRegistry.OWN_ADDRESS, true)));
    await(registry.sweep());
    System.setProperty("microshop.routing", "instances"); // the budget comes with per-instance routing
    ServiceClient client = new ServiceClient(vertx, registry, "epsilon", 1_000);
    System.clearProperty("microshop.routing");
    long start = System.nanoTime();
    assertThatThrownBy(() -> await(client.requestIdempotent("epsilon.ping", new JsonObject())))
        .isInstanceOfSatisfying(io.vertx.core.eventbus.ReplyException.class,
            re -> assertThat(re.failureType()).isEqualTo(io.vertx.core.eventbus.ReplyFailure.TIMEOUT));
    assertThat((System.nanoTime() - start) / 1_000_000).isBetween(950L, 1_400L);
  }

  @Test
  @DisplayName("a message whose caller's deadline passed (it waited in a stalled or busy JVM) fails with 504 without being run")
  void dropsWorkPastItsDeadline() throws Exception {
    java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
    vertx.eventBus().<JsonObject>consumer("zeta.work", dev.microshop.common.failure.Replies.handler(body -> {
      runs.incrementAndGet();
      return Future.succeededFuture(new JsonObject().put("done", true));
    }));
    io.vertx.core.eventbus.DeliveryOptions late = new io.vertx.core.eventbus.DeliveryOptions()
        .addHeader(ServiceClient.DEADLINE_HEADER, Long.toString(System.currentTimeMillis() - 5_000));
    assertThatThrownBy(() -> await(vertx.eventBus().request("zeta.work", new JsonObject(), late)))
        .isInstanceOfSatisfying(io.vertx.core.eventbus.ReplyException.class, re -> assertThat(re.failureCode()).isEqualTo(504));
    assertThat(runs.get()).isZero();

    io.vertx.core.eventbus.DeliveryOptions inTime = new io.vertx.core.eventbus.DeliveryOptions()
        .addHeader(ServiceClient.DEADLINE_HEADER, Long.toString(System.currentTimeMillis() + 5_000));
    assertThat(await(vertx.eventBus().<JsonObject>request("zeta.work", new JsonObject(), inTime)).body().getBoolean("done")).isTrue();
    assertThat(runs.get()).isEqualTo(1);
  }

  @Test
  @DisplayName("a client limited to 3 calls in flight sends a 4th only once one ended; a waiting call's budget starts when it is sent")
  void limitsItsCallsInFlight() throws Exception {
    java.util.List<io.vertx.core.eventbus.Message<JsonObject>> held = heldAt("eta");
    ServiceClient client = new ServiceClient(vertx, registry, "eta", 1_000).limitedTo(3, 5_000);
    long start = System.nanoTime();
    java.util.List<Future<JsonObject>> calls = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      calls.add(client.request("eta.work", new JsonObject().put("n", i)));
    }
    awaitHeld(held, 3);
    Thread.sleep(200);
    assertThat(held).as("sent while 3 are in flight").hasSize(3);
    assertThat(client.waiting()).isEqualTo(2);
    // the first three may arrive in any order: the one answered is the one that must succeed
    int answered = held.get(0).body().getInteger("n");
    held.get(0).reply(new JsonObject().put("n", answered));
    awaitHeld(held, 4);
    assertThat(held.get(3).body().getInteger("n")).as("the waiting calls go in order").isEqualTo(3);
    assertThat(client.waiting()).isEqualTo(1);
    // the two other first calls time out (1 s): their permits send the 5th, which has a whole second of its own
    awaitHeld(held, 5);
    assertThat((System.nanoTime() - start) / 1_000_000).as("the 5th was sent after the first calls' timeout").isGreaterThanOrEqualTo(950);
    assertThat(held.get(4).body().getInteger("n")).isEqualTo(4);
    Thread.sleep(300);
    held.get(4).reply(new JsonObject().put("n", 4));
    assertThat(await(calls.get(answered)).getInteger("n")).isEqualTo(answered);
    assertThat(await(calls.get(4)).getInteger("n")).isEqualTo(4);
    for (int i = 0; i < 4; i++) {
      if (i != answered) {
        int n = i;
        assertThatThrownBy(() -> await(calls.get(n))).as("call %d, never answered", n)
            .isInstanceOf(io.vertx.core.eventbus.ReplyException.class);
      }
    }
    assertThat(client.waiting()).isZero();
  }

  @Test
  @DisplayName("a call sent ahead (a compensation, a cancel) takes no permit and waits for none, while calls wait for the limit")
  void aheadOfTheLimit() throws Exception {
    java.util.List<io.vertx.core.eventbus.Message<JsonObject>> held = heldAt("theta");
    ServiceClient client = new ServiceClient(vertx, registry, "theta", 5_000).limitedTo(1, 10_000);
    Future<JsonObject> first = client.request("theta.work", new JsonObject().put("n", 1));
    Future<JsonObject> waiting = client.request("theta.work", new JsonObject().put("n", 2));
    awaitHeld(held, 1);
    assertThat(client.waiting()).isEqualTo(1);
    Future<JsonObject> ahead = client.requestAhead("theta.work", new JsonObject().put("n", 3));
    awaitHeld(held, 2);
    assertThat(held.get(1).body().getInteger("n")).as("sent at once, beside the one in flight").isEqualTo(3);
    assertThat(client.waiting()).as("and it took no permit: the waiting call still waits").isEqualTo(1);
    held.get(1).reply(new JsonObject().put("n", 3));
    assertThat(await(ahead).getInteger("n")).isEqualTo(3);
    Thread.sleep(200);
    assertThat(held).as("answering the call sent ahead gives back no permit").hasSize(2);
    held.get(0).reply(new JsonObject().put("n", 1));
    awaitHeld(held, 3);
    held.get(2).reply(new JsonObject().put("n", 2));
    assertThat(await(first).getInteger("n")).isEqualTo(1);
    assertThat(await(waiting).getInteger("n")).isEqualTo(2);
  }

  @Test
  @DisplayName("a call that waited maxWaitMs without a permit fails as a time-out and is never sent")
  void boundedWaitForAPermit() throws Exception {
    java.util.List<io.vertx.core.eventbus.Message<JsonObject>> held = heldAt("iota");
    ServiceClient client = new ServiceClient(vertx, registry, "iota", 5_000).limitedTo(1, 300);
    java.util.List<Throwable> uncaught = new java.util.concurrent.CopyOnWriteArrayList<>();
    vertx.exceptionHandler(uncaught::add); // a wait's timer failing a call already sent would land here
    Future<JsonObject> first = client.request("iota.work", new JsonObject().put("n", 1));
    awaitHeld(held, 1);
    long start = System.nanoTime();
    Future<JsonObject> second = client.request("iota.work", new JsonObject().put("n", 2));
    assertThatThrownBy(() -> await(second)).isInstanceOfSatisfying(ServiceException.class,
        se -> assertThat(se.code()).isEqualTo(FailureCode.TIMEOUT));
    assertThat((System.nanoTime() - start) / 1_000_000).isBetween(250L, 2_000L);
    assertThat(client.waiting()).isZero();
    // a call queued behind the one that gave up gets the permit, the expired one is passed over
    Future<JsonObject> third = client.request("iota.work", new JsonObject().put("n", 3));
    assertThat(client.waiting()).isEqualTo(1);
    held.get(0).reply(new JsonObject().put("n", 1));
    assertThat(await(first).getInteger("n")).isEqualTo(1);
    awaitHeld(held, 2);
    assertThat(held.get(1).body().getInteger("n")).as("the call that gave up was never sent").isEqualTo(3);
    assertThat(client.waiting()).isZero();
    held.get(1).reply(new JsonObject().put("n", 3));
    assertThat(await(third).getInteger("n")).isEqualTo(3);
    Thread.sleep(400);
    assertThat(uncaught).as("its wait's timer, cancelled when it was sent, fails nothing later").isEmpty();
    // and the permit came back: the next call goes at once
    Future<JsonObject> fourth = client.request("iota.work", new JsonObject().put("n", 4));
    awaitHeld(held, 3);
    held.get(2).reply(new JsonObject().put("n", 4));
    assertThat(await(fourth).getInteger("n")).isEqualTo(4);
    assertThat(held).hasSize(3);
  }

  /** A published service whose "<service>.work" messages are kept, to be answered by the test or never. */
  private java.util.List<io.vertx.core.eventbus.Message<JsonObject>> heldAt(String service) throws Exception {
    java.util.List<io.vertx.core.eventbus.Message<JsonObject>> held = new java.util.concurrent.CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(service + ".work", held::add);
    await(registry.publishEventBusService(service, service));
    return held;
  }

  private static void awaitHeld(java.util.List<?> held, int size) throws InterruptedException {
    long until = System.currentTimeMillis() + 10_000;
    while (held.size() < size && System.currentTimeMillis() < until) {
      Thread.sleep(10);
    }
    assertThat(held).hasSize(size);
  }
}
