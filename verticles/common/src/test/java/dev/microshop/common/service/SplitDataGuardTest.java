package dev.microshop.common.service;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.microshop.common.db.EmbeddedPostgresServer;
import dev.microshop.common.discovery.ServiceRegistry;
import dev.microshop.common.testing.ClusterMembers;
import dev.microshop.common.testing.TestData;
import dev.microshop.common.testing.TestService;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import io.vertx.servicediscovery.types.EventBusService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import static dev.microshop.common.testing.Await.await;
import static dev.microshop.common.testing.Await.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The split-data guard on a real two-member Hazelcast cluster (two clustered Vert.x in this JVM, one
 * per "machine"), each instance of a small service on a real embedded PostgreSQL.
 */
class SplitDataGuardTest {

  /** A service on the test migrations of {@code alpha} that answers a ping. */
  public static class Alpha extends TestService {
    public Alpha() {
      super("alpha", s -> s.serve("alpha.ping", body -> Future.succeededFuture(new JsonObject().put("pong", true))));
    }
  }

  private static Vertx a;
  private static Vertx b;
  private static ServiceRegistry reader;
  /** Publishes, on member b, the records of a peer that the tests make up; withdrawn after each test. */
  private static ServiceDiscovery other;
  private final List<String> madeUp = new java.util.ArrayList<>();
  private static final String JVM = java.lang.management.ManagementFactory.getRuntimeMXBean().getName();
  private static final Path ONE = TestData.freshDataDir("guard-one");
  private static final Path OTHER = TestData.freshDataDir("guard-other");

  @BeforeAll
  static void cluster() throws Exception {
    Map<String, String> env = ClusterMembers.env("guard-test");
    a = ClusterMembers.join(env);
    b = ClusterMembers.join(env);
    reader = new ServiceRegistry(a);
    other = ServiceDiscovery.create(b, new ServiceDiscoveryOptions().setAnnounceAddress(ServiceRegistry.ANNOUNCE));
  }

  @AfterEach
  void undeploy() throws Exception {
    for (String registration : madeUp) {
      await(other.unpublish(registration).otherwiseEmpty()); // some tests withdraw theirs already
    }
    for (Vertx v : List.of(a, b)) {
      for (String id : v.deploymentIDs()) {
        await(v.undeploy(id));
      }
    }
  }

  @AfterAll
  static void close() throws Exception {
    if (reader != null) {
      reader.close();
      other.close();
    }
    ClusterMembers.close(b, a);
    EmbeddedPostgresServer.stopAll();
  }

  @Test
  @DisplayName("a second instance whose database differs from a live instance's fails its start with one log line"
      + " naming both nodes and both identities, and publishes no record")
  void refusesAnotherDatabase() throws Exception {
    await(a.deployVerticle(Alpha::new, on(ONE)));
    String one = systemIdentifier(ONE) + "/alpha";
    String other = systemIdentifier(OTHER) + "/alpha";
    assertThat(one).isNotEqualTo(other);

    ListAppender<ILoggingEvent> log = capture();
    try {
      assertThatThrownBy(() -> await(b.deployVerticle(Alpha::new, on(OTHER))))
          .isInstanceOf(SplitDataGuard.Refused.class)
          .hasMessageStartingWith("refusing to serve alpha: ")
          .hasMessageContaining("this instance (node " + node(b) + ", jvm " + JVM + ") uses database " + other)
          .hasMessageContaining("the live instance on node " + node(a) + " (jvm " + JVM + ") uses database " + one);
    } finally {
      release(log);
    }
    assertThat(log.list.stream().filter(e -> e.getFormattedMessage().contains(other)).map(ILoggingEvent::getFormattedMessage))
        .singleElement().asString().startsWith("refusing to serve alpha: ");

    assertThat(alphaRecords()).singleElement()
        .satisfies(r -> assertThat(r.getJsonObject("metadata").getString("node")).isEqualTo(node(a)))
        .satisfies(r -> assertThat(r.getJsonObject("metadata").getString("database")).isEqualTo(one));
  }

  @Test
  @DisplayName("two instances on two members that share one database (the second joins the server) both serve,"
      + " and both records carry that database's identity")
  void agreeingInstancesServe() throws Exception {
    await(a.deployVerticle(Alpha::new, on(ONE)));
    await(b.deployVerticle(Alpha::new, on(ONE)));

    String one = systemIdentifier(ONE) + "/alpha";
    assertThat(alphaRecords()).hasSize(2)
        .allSatisfy(r -> assertThat(r.getJsonObject("metadata").getString("database")).isEqualTo(one))
        .extracting(r -> r.getJsonObject("metadata").getString("node")).containsExactlyInAnyOrder(node(a), node(b));
    assertThat(request(b, "alpha.ping", new JsonObject()).getBoolean("pong")).isTrue();
    assertThat(splitData(health(a))).isEqualTo("UP");
  }

  @Test
  @DisplayName("a younger instance on another database that shows up later (a start race, a healed partition) turns"
      + " the health DOWN with the conflict named, while the older instance keeps serving; UP again once it is gone")
  void laterYoungerConflict() throws Exception {
    await(a.deployVerticle(Alpha::new, on(ONE)));
    String younger = publishPeer(Long.MAX_VALUE - 1);

    JsonObject down = until(() -> health(a), h -> "DOWN".equals(h.getString("outcome")));
    assertThat(check(down, "split-data").getJsonObject("data").getString("conflict"))
        .contains("uses database " + systemIdentifier(ONE) + "/alpha", "on node " + node(b) + " (jvm 7@peer) uses database 1/alpha");
    assertThat(check(down, "split-data").getJsonObject("data").getBoolean("inRotation")).isTrue();
    assertThat(request(a, "alpha.ping", new JsonObject()).getBoolean("pong")).isTrue();

    await(other.unpublish(younger));
    until(() -> health(a), h -> "UP".equals(h.getString("outcome")));
  }

  @Test
  @DisplayName("an older instance on another database that shows up later makes this one leave rotation: its record"
      + " goes out of service, its consumers stop, its health stays DOWN naming the conflict")
  void laterOlderConflict() throws Exception {
    await(a.deployVerticle(Alpha::new, on(ONE)));
    publishPeer(0);

    until(() -> alphaRecords().stream().filter(r -> node(a).equals(r.getJsonObject("metadata").getString("node"))).toList(),
        own -> own.size() == 1 && "OUT_OF_SERVICE".equals(own.get(0).getString("status")));
    until(() -> pingFailure(), failure -> failure == ReplyFailure.NO_HANDLERS);
    JsonObject down = health(a);
    assertThat(down.getString("outcome")).isEqualTo("DOWN");
    assertThat(check(down, "split-data").getJsonObject("data").getBoolean("inRotation")).isFalse();
    assertThat(check(down, "split-data").getJsonObject("data").getString("conflict")).contains("1/alpha");
  }

  /**
   * Publishes the record of another instance of alpha, on member b, on another database, published at
   * {@code since}: what a peer that started unseen shows the others. Returns its registration.
   */
  private String publishPeer(long since) throws Exception {
    Record peer = EventBusService.createRecord("alpha", "alpha", "dev.microshop.alpha", new JsonObject()
        .put("service", "alpha").put("node", node(b)).put("instance", "peer").put("jvm", "7@peer").put("since", since)
        .put("database", "1/alpha"));
    String registration = await(other.publish(peer)).getRegistration();
    madeUp.add(registration);
    return registration;
  }

  private static DeploymentOptions on(Path dataDir) {
    return new DeploymentOptions().setConfig(TestData.serviceConfig(dataDir));
  }

  private static String node(Vertx vertx) {
    return ((VertxInternal) vertx).clusterManager().getNodeId();
  }

  /** The server's identifier, read by its superuser (the server started if it is not yet). */
  private static String systemIdentifier(Path dataDir) throws Exception {
    EmbeddedPostgresServer server = EmbeddedPostgresServer.acquire(dataDir.toString(), 0);
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + server.port() + "/postgres", "postgres", "");
         Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT system_identifier FROM pg_control_system()")) {
      rs.next();
      return Long.toString(rs.getLong(1));
    }
  }

  private static List<JsonObject> alphaRecords() throws Exception {
    return await(reader.records()).stream().filter(r -> "alpha".equals(r.getString("name"))).toList();
  }

  private static JsonObject health(Vertx vertx) throws Exception {
    return request(vertx, "alpha.health", new JsonObject());
  }

  private static String splitData(JsonObject health) {
    return check(health, "split-data").getString("status");
  }

  private static JsonObject check(JsonObject health, String id) {
    return health.getJsonArray("checks").stream().map(JsonObject.class::cast)
        .filter(c -> id.equals(c.getString("id"))).findFirst().orElseThrow();
  }

  private static ReplyFailure pingFailure() throws Exception {
    try {
      await(a.eventBus().request("alpha.ping", new JsonObject()));
      return null;
    } catch (ReplyException e) {
      return e.failureType();
    }
  }

  /** Polls {@code read} until {@code done} holds (10 s at most), and returns what it read last. */
  private static <T> T until(Callable<T> read, java.util.function.Predicate<T> done) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    T last = read.call();
    while (!done.test(last)) {
      assertThat(System.nanoTime()).as("still %s after 10 s", last).isLessThan(deadline);
      Thread.sleep(100);
      last = read.call();
    }
    return last;
  }

  private static ListAppender<ILoggingEvent> capture() {
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(appender);
    return appender;
  }

  private static void release(ListAppender<ILoggingEvent> appender) {
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(appender);
  }
}
