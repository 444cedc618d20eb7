package dev.microshop.app;

import dev.microshop.app.OrderStorm.Customer;
import dev.microshop.app.OrderStorm.Exchange;
import dev.microshop.common.cluster.ClusterConfig;
import dev.microshop.common.cluster.ShopClusterManager;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cluster as scripts/cluster.sh starts it, with two instances each of web, order, inventory and
 * customer, one of shipping and history (and each service's PostgreSQL in a database server of its
 * own), while an order storm runs through both webs as through a balancer (a refused connection goes
 * to the other web with the same Idempotency-Key): {@code cluster.sh rolling-restart} stops
 * (SIGTERM) and starts each of the ten instances in turn. A web that is stopping refuses new
 * connections (the balancer's cue) but answers every request it took; shipping and history are
 * restarted in place (nothing the storm sends waits on them: they read the order's events later).
 * Tagged "long" (6-8 min on 2 cores): {@code scripts/test.sh --long} runs it, apart from the suite.
 */
@Tag("long")
class ClusterRollingRestartIT {

  private static final List<String> SKUS = List.of("MUG-CLASSIC", "PEN-GEL-3", "STICKERS-10", "NOTEBOOK-A5", "SOCKS-STRIPE");
  private static Path dir;
  private static Map<String, String> env;
  private static int webPort;
  private static Vertx member;

  @BeforeAll
  static void startCluster() throws Exception {
    dir = Files.createTempDirectory(ShopProcess.REPO.resolve("app/target").toAbsolutePath(), "rolling-");
    webPort = twoFreePorts(); // web-1 and web-2
    int hzPort = ThreadLocalRandom.current().nextInt(25_000, 30_000); // below the ephemeral range (32768+)
    env = new HashMap<>(Map.of(
        "MICROSHOP_CLUSTER_DIR", dir.toString(),
        "MICROSHOP_CLUSTER_NAME", "rolling-" + UUID.randomUUID(),
        "MICROSHOP_CLUSTER_PORT", Integer.toString(hzPort),
        "MICROSHOP_DB_PORT_BASE", Integer.toString(hzPort + 100),
        "MICROSHOP_METRICS_PORT_BASE", Integer.toString(hzPort + 200),
        "MICROSHOP_WEB_HTTP_PORT", Integer.toString(webPort),
        "MICROSHOP_WEB_AUTH_DEV_SECRET_FILE", dir.resolve("jwt").toString(),
        "MICROSHOP_SHIPPING_COURIER_PREPARE_DELAY_MS", "300",
        "MICROSHOP_SHIPPING_COURIER_DELIVERY_DELAY_MS", "300",
        "MICROSHOP_CUSTOMER_DEFAULT_CREDIT_LIMIT", "100000.00"));
    long t0 = System.nanoTime();
    cluster("start", "--instances", "web=2,order=2,inventory=2,customer=2");
    System.out.printf("rolling: 10 JVMs and 5 database servers healthy in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    ShopClusterManager cm = new ShopClusterManager(ClusterConfig.load(env));
    member = Vertx.builder().withClusterManager(cm).buildClustered().toCompletionStage().toCompletableFuture()
        .get(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (member != null) {
      member.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    cluster("stop");
  }

  @Test
  @DisplayName("a rolling restart of every instance, both webs included, under an order storm through both webs fails no"
      + " request (a web that is stopping only refuses new connections, which go to the other web); every accepted order"
      + " exists once and settles, and every invariant holds")
  void rollingRestartUnderStorm() throws Exception {
    List<Customer> customers = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      String email = "rolling" + i + "-" + UUID.randomUUID() + "@example.com";
      // set-up, not under test: each password check costs 210,000 PBKDF2 iterations, which ten JVMs on
      // two shared cores can stretch past the web's 3 s; a 5xx is sent again (a registration that
      // did go through before its 504 answers 409 the second time)
      setUp(201, "/api/customers", null, new JsonObject().put("name", "R" + i).put("email", email).put("password", "a long password"));
      String token = new JsonObject(setUp(200, "/api/login", null,
          new JsonObject().put("email", email).put("password", "a long password"))).getString("token");
      customers.add(new Customer(null, token));
    }
    Map<String, Long> pidsBefore = pids();

    OrderStorm storm = OrderStorm.start(List.of(webPort, webPort + 1), customers, SKUS, 4, 50);
    storm.awaitAccepted(20, Duration.ofSeconds(60));
    long rollStart = System.nanoTime();
    Map<Integer, long[]> webStops = rollingRestart(); // web port → [stopping, restarted] (nanoTime)
    long rollEnd = System.nanoTime();
    storm.awaitAccepted(storm.accepted() + 20, Duration.ofSeconds(60)); // the restarted cluster serves on
    List<Exchange> sent = storm.finish(Duration.ofSeconds(60));
    long duringRoll = sent.stream().filter(e -> e.sentAt() > rollStart && e.endedAt() < rollEnd).count();
    List<Exchange> rerouted = sent.stream().filter(e -> e.end() == OrderStorm.End.REFUSED || e.neverTaken()).toList();
    System.out.printf("rolling: restart of 10 instances took %d ms; %d requests, %d of them during the roll;"
            + " %d refused (or reset unanswered) by a stopping web and sent to the other%n",
        (rollEnd - rollStart) / 1_000_000, sent.size(), duringRoll, rerouted.size());

    assertThat(sent).as("every request answered 202 (no 5xx, no time-out, no answer cut short), or refused at connect"
            + " or reset before a single byte of answer by a web between its stop and its restart (its closing listener's"
            + " backlog)")
        .allMatch(e -> e.accepted() || refusedWhileRestarting(e, webStops));
    assertThat(duringRoll).as("requests sent and answered while instances were restarting").isGreaterThan(0);
    Map<String, Long> pidsAfter = pids();
    assertThat(pidsAfter.keySet()).as("every instance").containsExactlyInAnyOrderElementsOf(pidsBefore.keySet()).hasSize(10);
    for (String instance : pidsBefore.keySet()) {
      assertThat(pidsAfter.get(instance)).as("%s was restarted", instance).isNotEqualTo(pidsBefore.get(instance));
    }

    List<Exchange> answered = sent.stream().filter(Exchange::accepted).toList();
    assertThat(rerouted).as("each refused or reset order was then accepted with its key by the other web")
        .allMatch(r -> answered.stream().anyMatch(a -> a.key().equals(r.key()) && a.port() != r.port()));
    List<String> accepted = answered.stream().map(Exchange::orderId).toList();
    assertThat(accepted).as("one order per request").doesNotHaveDuplicates();
    JsonArray orders = OrderStorm.settled(member, accepted.size(), Duration.ofSeconds(120), true);
    assertThat(orders.stream().map(o -> ((JsonObject) o).getString("orderId")))
        .as("the orders of the shop: exactly the accepted ones").containsExactlyInAnyOrderElementsOf(accepted);
    int checks = dev.microshop.invariants.Invariants.assertHold(member);
    System.out.printf("rolling: %d orders settled, %d invariant checks passed%n", orders.size(), checks);
  }

  /** A refusal at connect by the web on its port while that web was stopping or starting (as cluster.sh said). */
  private static boolean refusedWhileRestarting(Exchange e, Map<Integer, long[]> webStops) {
    long[] window = webStops.get(e.port());
    return (e.end() == OrderStorm.End.REFUSED || e.neverTaken()) && window != null && e.endedAt() >= window[0]
        && e.endedAt() <= window[1];
  }

  /**
   * {@code cluster.sh rolling-restart} of every instance; returns, for each web's port, when the
   * script said it was stopping that web and when it said the web serves again (its output read
   * as it comes, each line stamped on arrival, and appended to app/target/cluster-sh.log).
   */
  private static Map<Integer, long[]> rollingRestart() throws Exception {
    ProcessBuilder pb = new ProcessBuilder("bash", ShopProcess.REPO.resolve("scripts/cluster.sh").toString(), "rolling-restart")
        .directory(ShopProcess.REPO.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    Map<Integer, long[]> stops = new HashMap<>();
    Path log = ShopProcess.REPO.resolve("app/target/cluster-sh.log");
    try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()))) {
      for (String line; (line = lines.readLine()) != null; ) {
        long at = System.nanoTime();
        Files.writeString(log, line + "\n", java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        var m = java.util.regex.Pattern.compile("^(stopping|restarted) web-(\\d+)").matcher(line);
        if (m.find()) {
          long[] window = stops.computeIfAbsent(webPort + Integer.parseInt(m.group(2)) - 1, k -> new long[] {0, Long.MAX_VALUE});
          window[m.group(1).equals("stopping") ? 0 : 1] = at;
        }
      }
    }
    assertThat(p.waitFor(900, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("cluster.sh rolling-restart (see app/target/cluster-sh.log)").isZero();
    assertThat(stops).as("both webs stopped and restarted").containsOnlyKeys(webPort, webPort + 1)
        .allSatisfy((port, w) -> assertThat(w[0]).isPositive().isLessThan(w[1]));
    return stops;
  }

  /** A port p such that p and p + 1 are both free now (cluster.sh gives web-2 the port after web-1's). */
  private static int twoFreePorts() throws Exception {
    for (int i = 0; ; i++) {
      int p = ShopProcess.freePort();
      try (var probe = new java.net.ServerSocket(p + 1)) {
        return p;
      } catch (java.io.IOException taken) {
        assertThat(i).as("two free ports in a row").isLessThan(20);
      }
    }
  }

  /** Each instance's pid, from cluster.sh's pid files. */
  private static Map<String, Long> pids() throws Exception {
    Map<String, Long> pids = new HashMap<>();
    try (var files = Files.list(dir.resolve("run"))) {
      for (Path f : files.filter(f -> f.toString().endsWith(".pid")).toList()) {
        pids.put(f.getFileName().toString().replace(".pid", ""), Long.parseLong(Files.readString(f).trim()));
      }
    }
    return pids;
  }

  private static HttpResponse<String> post(String path, String token, JsonObject body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webPort + path))
        .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.encode()));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return ShopProcess.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A set-up POST answered {@code status} (or 409 for a registration), sent again on a 5xx up to 5 times. */
  private static String setUp(int status, String path, String token, JsonObject body) throws Exception {
    for (int attempt = 1; ; attempt++) {
      HttpResponse<String> res = post(path, token, body);
      if (res.statusCode() < 500 || attempt == 5) {
        return res.statusCode() == 409 && path.equals("/api/customers") ? res.body() : expect(status, res);
      }
      Thread.sleep(500);
    }
  }

  private static String expect(int status, HttpResponse<String> res) {
    assertThat(res.statusCode()).as("%s: %s", res.request().uri(), res.body()).isEqualTo(status);
    return res.body();
  }

  private static void cluster(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("bash", ShopProcess.REPO.resolve("scripts/cluster.sh").toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(ShopProcess.REPO.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(ShopProcess.REPO.resolve("app/target/cluster-sh.log").toFile()));
    pb.environment().putAll(env);
    Process p = pb.start();
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("cluster.sh " + String.join(" ", args) + " (see app/target/cluster-sh.log)").isZero();
  }
}
