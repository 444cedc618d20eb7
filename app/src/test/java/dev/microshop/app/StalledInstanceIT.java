package dev.microshop.app;

import dev.microshop.app.OrderStorm.Customer;
import dev.microshop.app.OrderStorm.Exchange;
import dev.microshop.invariants.Invariants;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cluster as scripts/cluster.sh starts it (two inventory instances among the rest), product reads
 * through a web under a steady load, and one inventory instance stalled with SIGSTOP, as a long GC
 * pause, a frozen VM or a lost host would: the web's ServiceClient stops sending to it after a few
 * slow requests, long before Hazelcast would remove the member. Within 2 s the reads are back to at
 * least 80 % of their rate before the stall with a p99 of 100 ms at most, and no read fails at any
 * point; after SIGCONT the instance is probed and back in rotation. Under an order storm, an order
 * instance stalled the same way loses no accepted order: a placement it does not answer goes to the
 * other instance with the same key, the sagas it held are resumed by the other one, and every
 * invariant holds once the shop is quiet. Per-instance routing is the cluster's default: MICROSHOP_ROUTING is not set.
 * Tagged "long" ({@code scripts/test.sh --long}, in CI). It was "manual" while it failed: with the
 * routing opt-in, placements answered 504 after 3 s. A placement that order-2 had begun when it was
 * stopped held its Idempotency-Key's row lock in an open transaction, so the same placement hedged
 * to order-1 waited on it until the web's timeout; PostgreSQL now ends a session idle in a
 * transaction after {@code db.idle-in-transaction-ms} (DatabaseTest.idleTransactionEnds). Alone:
 * {@code mvn -B verify -pl app -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=StalledInstanceIT -Dit.groups=long -Dit.excludedGroups=}.
 */
@Tag("long")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the stall past Hazelcast's bound last: its member leaves and merges back
class StalledInstanceIT {

  private static final int READERS = 4;
  private static final String SKU = "MUG-CLASSIC";
  private static ScriptedCluster cluster;
  private static long stalledPid = -1;

  private record Read(long endNanos, long ms, int status) {
  }

  @BeforeAll
  static void start() throws Exception {
    cluster = ScriptedCluster.start("stalled", Map.of("MICROSHOP_SHIPPING_COURIER_PREPARE_DELAY_MS", "300",
        "MICROSHOP_SHIPPING_COURIER_DELIVERY_DELAY_MS", "300", "MICROSHOP_LOG_FORMAT", "json",
        // the reads must cross to the inventory: the web's catalog read model would answer them itself
        "MICROSHOP_WEB_CATALOG_READ_MODEL", "false"),
        "--instances", "inventory=2,order=2");
  }

  @AfterAll
  static void stop() throws Exception {
    if (stalledPid > 0) {
      signal("CONT", stalledPid);
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  @DisplayName("an inventory instance stopped with SIGSTOP: reads back to >= 80% of their rate with p99 <= 100 ms within 2 s, none failed; after SIGCONT it is back in rotation, the p99 as low")
  void routesAroundAStalledInstance() throws Exception {
    String url = "http://127.0.0.1:" + cluster.webPort + "/api/products/" + SKU;
    Queue<Read> reads = new ConcurrentLinkedQueue<>();
    AtomicBoolean running = new AtomicBoolean(true);
    List<Thread> readers = new ArrayList<>();
    for (int i = 0; i < READERS; i++) {
      Thread t = new Thread(() -> read(url, reads, running), "reader-" + i);
      t.start();
      readers.add(t);
    }
    try {
      Thread.sleep(4_000); // warm-up: JIT, connections
      long t0 = System.nanoTime();
      Thread.sleep(6_000);
      stalledPid = cluster.pid("inventory-2");
      long stall = System.nanoTime();
      signal("STOP", stalledPid);
      Thread.sleep(8_000);
      long cont = System.nanoTime();
      signal("CONT", stalledPid);
      stalledPid = -1;
      Thread.sleep(12_000); // its ejection (5 s) ends, a probe takes it back
      long end = System.nanoTime();
      running.set(false);
      for (Thread t : readers) {
        t.join(30_000);
      }

      List<Read> all = new ArrayList<>(reads);
      List<Read> before = window(all, t0, stall);
      List<Read> stalled = window(all, stall + TimeUnit.SECONDS.toNanos(2), cont);
      List<Read> resumed = window(all, cont + TimeUnit.SECONDS.toNanos(7), end);
      double rateBefore = before.size() / seconds(stall - t0);
      double rateStalled = stalled.size() / seconds(cont - stall - TimeUnit.SECONDS.toNanos(2));
      double rateResumed = resumed.size() / seconds(end - cont - TimeUnit.SECONDS.toNanos(7));
      System.out.printf("stalled instance: reads/s %.0f before (p99 %d ms), %.0f from 2 s into the stall (p99 %d ms,"
              + " slowest %d ms), %.0f after SIGCONT (p99 %d ms); slowest read in the first 2 s %d ms%n",
          rateBefore, p99(before), rateStalled, p99(stalled), max(stalled), rateResumed, p99(resumed),
          max(window(all, stall, stall + TimeUnit.SECONDS.toNanos(2))));

      assertThat(all).as("reads that did not answer 200").allMatch(r -> r.status() == 200);
      assertThat(rateStalled).as("reads/s from 2 s into the stall, against %.0f before", rateBefore)
          .isGreaterThanOrEqualTo(0.8 * rateBefore);
      // 100 ms, or the p99 before the stall when this shared 2-core machine was slower than that already
      // (one run: 157 ms before, 101 during): the stalled instance must cost nothing, the machine's own pace aside
      assertThat(p99(stalled)).as("p99 (ms) from 2 s into the stall, against %d ms before", p99(before))
          .isLessThanOrEqualTo(Math.max(100, p99(before)));
      // after SIGCONT the resumed instance answers as fast as before (a slow one would show in the p99: past 500 ms a
      // read goes to the other instance too); the rate only has to show no collapse: other load on this shared 2-core
      // machine moves it between windows (one run: 900 reads/s before, 970 during the stall, when other runs had
      // 1.55-1.93x before, and 714 after)
      assertThat(p99(resumed)).as("p99 (ms) after SIGCONT, against %d ms before", p99(before))
          .isLessThanOrEqualTo(Math.max(100, p99(before)));
      assertThat(rateResumed).as("reads/s after SIGCONT").isGreaterThanOrEqualTo(0.6 * rateBefore);

      JsonArray inventory = dashboard().getJsonArray("routing").stream().map(JsonObject.class::cast)
          .filter(r -> r.getString("service").equals("inventory")).findFirst().orElseThrow().getJsonArray("instances");
      System.out.println("stalled instance: the web's view of the inventory instances " + inventory.encode());
      assertThat(inventory.stream().map(JsonObject.class::cast).toList())
          .as("the stalled instance was taken out of rotation, and is back")
          .anyMatch(i -> i.getLong("ejections") >= 1)
          .allMatch(i -> i.getBoolean("inRotation"));
      String metrics = ShopProcess.get("http://127.0.0.1:" + cluster.webPort + "/metrics").body();
      assertThat(metrics.lines().filter(l -> l.startsWith("microshop_routing_")).toList())
          .as("the web's routing metrics")
          .anyMatch(l -> l.startsWith("microshop_routing_ejections_total{service=\"inventory\"}") && !l.endsWith(" 0.0"))
          .contains("microshop_routing_instances_out{service=\"inventory\"} 0.0");
    } finally {
      running.set(false);
    }
  }

  @Test
  @Order(2)
  @DisplayName("an order instance stopped with SIGSTOP under an order storm: every placement answered 202, each accepted order once and settled, every invariant holds")
  void orderStormAroundAStalledInstance() throws Exception {
    OrderStorm storm = OrderStorm.start(cluster.webPort, customers(4), List.of(SKU, "PEN-GEL-3", "STICKERS-10"), 4, 50);
    storm.awaitAccepted(20, Duration.ofSeconds(60));
    Stall stalled = stall("order-2", 8_000, storm);
    long stall = stalled.startNanos();
    storm.awaitAccepted(stalled.accepted() + 20, Duration.ofSeconds(60));
    List<Exchange> sent = storm.finish(Duration.ofSeconds(60));
    long placedDuringStall = sent.stream().filter(e -> e.sentAt() > stall && e.endedAt() < stall + TimeUnit.SECONDS.toNanos(8)).count();
    System.out.printf("stalled order instance: %d placements, %d of them sent and answered during the 8 s stall, slowest %d ms%n",
        sent.size(), placedDuringStall, sent.stream().mapToLong(e -> (e.endedAt() - e.sentAt()) / 1_000_000).max().orElse(0));

    assertThat(sent).as("every placement answered 202").allMatch(Exchange::accepted);
    assertThat(placedDuringStall).as("placements answered while order-2 was stalled").isGreaterThan(0);
    List<String> accepted = sent.stream().map(Exchange::orderId).toList();
    assertThat(accepted).as("one order per placement").doesNotHaveDuplicates();
    JsonArray orders = OrderStorm.settled(cluster.member(), accepted.size(), Duration.ofSeconds(120), true);
    assertThat(orders.stream().map(o -> ((JsonObject) o).getString("orderId")))
        .as("the orders of the shop: exactly the accepted ones").containsExactlyInAnyOrderElementsOf(accepted);
    System.out.printf("stalled order instance: %d orders settled, %d invariant checks passed%n", orders.size(),
        Invariants.assertHold(cluster.member()));

    // the cluster logs JSON (MICROSHOP_LOG_FORMAT=json): an order's lines, from whichever order instance took it
    String orderId = accepted.get(accepted.size() - 1);
    List<String> lines = cluster.logs(orderId);
    System.out.println("stalled order instance: cluster.sh logs " + orderId + ":\n  " + String.join("\n  ", lines));
    assertThat(lines).as("cluster.sh logs %s", orderId).isNotEmpty().allSatisfy(line -> {
      String instance = line.substring(0, line.indexOf(" | "));
      JsonObject json = new JsonObject(line.substring(line.indexOf(" | ") + 3));
      assertThat(instance).matches("[a-z]+-\\d+");
      assertThat(json.getJsonObject("context").getJsonObject("properties").getString("node")).isEqualTo(instance);
      assertThat(json.getJsonObject("context").getJsonObject("properties").getString("service"))
          .isEqualTo(instance.substring(0, instance.indexOf('-')));
      assertThat(json.getString("formattedMessage")).contains(orderId);
      assertThat(json.getLong("timestamp")).isPositive();
    });
    assertThat(lines).anyMatch(l -> l.matches("order-[12] \\| .*placed by customer.*"));
  }

  /**
   * Past Hazelcast's 20 s without a heartbeat the stalled member is removed, and the others' new
   * connections to it wait for an answer its process cannot give: Hazelcast's output thread spun at a
   * full core in each of them, and on 2 cores the members starved each other's heartbeats until the
   * master and others were removed too and the cluster split (6 runs of 6 with a 60-85 s stall, before
   * the SilentPeerWatchdog). Now only the stalled member is suspected, orders keep being accepted
   * (shipping is not needed to accept one), and after SIGCONT the member merges back and ships them.
   */
  @Test
  @Order(3)
  @DisplayName("the shipping instance stopped with SIGSTOP for 60 s, past Hazelcast's 20 s bound: no other member suspected, every placement answered 202, after SIGCONT it merges back and every order is delivered")
  void aStallPastTheHeartbeatBoundRemovesOnlyTheStalledMember() throws Exception {
    OrderStorm storm = OrderStorm.start(cluster.webPort, customers(2), List.of(SKU, "PEN-GEL-3"), 1, 500);
    storm.awaitAccepted(5, Duration.ofSeconds(60));
    int before = cluster.logs("uspect").size(); // Hazelcast's "Suspecting Member ..." and "Member ... is suspected ..."
    int acceptedDuringStall = stall("shipping-1", 60_000, storm).accepted();
    storm.awaitAccepted(acceptedDuringStall + 5, Duration.ofSeconds(60));
    List<Exchange> sent = storm.finish(Duration.ofSeconds(60));

    List<String> suspicions = cluster.logs("uspect");
    Pattern member = Pattern.compile("Suspecting Member (\\[[^\\]]+\\]:\\d+)|Member (\\[[^\\]]+\\]:\\d+) - [0-9a-f-]+ is suspected");
    List<String> suspected = suspicions.subList(before, suspicions.size()).stream()
        .filter(line -> !line.startsWith("shipping-1 ")) // resumed, it suspects the others: told it was removed
        .map(member::matcher)
        .filter(Matcher::find).map(m -> m.group(1) != null ? m.group(1) : m.group(2)).distinct().toList();
    double closedInMetrics = 0; // each member's own count, read before the log lines (each close is logged first)
    for (String instance : List.of("inventory-1", "inventory-2", "customer-1", "order-1", "order-2", "shipping-1", "history-1", "web-1")) {
      closedInMetrics += ShopProcess.get(cluster.metricsUrl(instance)).body().lines()
          .filter(l -> l.startsWith("microshop_cluster_silent_peer_closes_total "))
          .mapToDouble(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1))).sum();
    }
    List<String> closed = cluster.logs("no answer to its protocol header");
    System.out.printf("stall past the heartbeat bound: %d placements (%d accepted during the 60 s stall), members suspected %s, "
        + "connections closed by the silent-peer watchdog %d (%.0f on /metrics)%n", sent.size(), acceptedDuringStall, suspected,
        closed.size(), closedInMetrics);
    assertThat(suspected).as("members suspected during and after the stall (one: the stalled shipping instance)").hasSize(1);
    assertThat(closedInMetrics).as("connections closed, on the members' /metrics (against %d logged)", closed.size())
        .isPositive().isLessThanOrEqualTo(closed.size());
    assertThat(sent).as("every placement answered 202").allMatch(Exchange::accepted);
    List<String> accepted = sent.stream().map(Exchange::orderId).toList();
    JsonArray orders = OrderStorm.settled(cluster.member(), accepted.size(), Duration.ofSeconds(180), true);
    assertThat(orders.stream().map(o -> ((JsonObject) o).getString("orderId")))
        .as("the orders of the shop (the earlier tests' too): every accepted one, delivered").containsAll(accepted);
    System.out.printf("stall past the heartbeat bound: %d orders settled, %d invariant checks passed%n", orders.size(),
        Invariants.assertHold(cluster.member()));
  }

  private record Stall(long startNanos, int accepted) {
  }

  /** SIGSTOP of {@code instance} for {@code millis} under the storm, then SIGCONT: when it began, and the orders accepted by then. */
  private static Stall stall(String instance, long millis, OrderStorm storm) throws Exception {
    stalledPid = cluster.pid(instance);
    signal("STOP", stalledPid);
    long start = System.nanoTime();
    Thread.sleep(millis);
    int accepted = storm.accepted();
    signal("CONT", stalledPid);
    stalledPid = -1;
    return new Stall(start, accepted);
  }

  private static List<Customer> customers(int count) throws Exception {
    List<Customer> customers = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String email = "stalled" + i + "-" + UUID.randomUUID() + "@example.com";
      post(201, "/api/customers", null, new JsonObject().put("name", "S" + i).put("email", email).put("password", "a long password"));
      customers.add(new Customer(null, post(200, "/api/login", null,
          new JsonObject().put("email", email).put("password", "a long password")).getString("token")));
    }
    return customers;
  }

  private static JsonObject post(int status, String path, String token, JsonObject body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.webPort + path))
        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.ofString(body.encode()));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> res = ShopProcess.HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(res.statusCode()).as("%s: %s", path, res.body()).isEqualTo(status);
    return new JsonObject(res.body());
  }

  private static void read(String url, Queue<Read> reads, AtomicBoolean running) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build();
    while (running.get()) {
      long start = System.nanoTime();
      int status;
      try {
        status = ShopProcess.HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
      } catch (Exception e) {
        status = -1; // a time-out, a closed connection
      }
      long now = System.nanoTime();
      reads.add(new Read(now, (now - start) / 1_000_000, status));
    }
  }

  private static JsonObject dashboard() throws Exception {
    String base = "http://127.0.0.1:" + cluster.webPort;
    String token = post(200, "/api/login", null,
        new JsonObject().put("email", "admin@microshop.local").put("password", "microshop-admin-dev")).getString("token");
    HttpResponse<String> res = ShopProcess.HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/admin/dashboard"))
        .header("Authorization", "Bearer " + token)
        .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    return new JsonObject(res.body());
  }

  private static void signal(String signal, long pid) throws Exception {
    Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("kill -%s %d", signal, pid).isZero();
  }

  private static List<Read> window(List<Read> all, long from, long to) {
    return all.stream().filter(r -> r.endNanos() >= from && r.endNanos() < to).toList();
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  private static long p99(List<Read> reads) {
    if (reads.isEmpty()) {
      return Long.MAX_VALUE;
    }
    List<Long> ms = reads.stream().map(Read::ms).sorted().toList();
    return ms.get((int) Math.min(ms.size() - 1, Math.ceil(ms.size() * 0.99) - 1));
  }

  private static long max(List<Read> reads) {
    return reads.stream().mapToLong(Read::ms).max().orElse(0);
  }
}
