package dev.microshop.app;

import dev.microshop.common.cluster.ClusterConfig;
import dev.microshop.common.cluster.ShopClusterManager;
import dev.microshop.common.discovery.ServiceRegistry;
import dev.microshop.inventory.api.InventoryAddresses;
import dev.microshop.order.api.OrderAddresses;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
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
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shop as scripts/cluster.sh starts it, one JVM per service, with two instances each of order
 * and inventory (eight JVMs), under a steady order load; one instance of each is killed -9. No
 * accepted order is lost or duplicated, and once the survivors settle every saga completes and
 * every invariant holds (checked over the event bus by this test JVM, which joins the cluster).
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class ClusterCrashIT {

  private static final Set<String> FINAL = Set.of("DELIVERED", "REJECTED", "CANCELLED");
  private static ScriptedCluster cluster;
  private static Map<String, String> env;
  private static int webPort;
  private static Vertx member;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = ScriptedCluster.start("crash", Map.of(
        "MICROSHOP_SHIPPING_COURIER_PREPARE_DELAY_MS", "500",
        "MICROSHOP_SHIPPING_COURIER_DELIVERY_DELAY_MS", "500",
        "MICROSHOP_CUSTOMER_DEFAULT_CREDIT_LIMIT", "5000.00",
        "MICROSHOP_TRACING", "on"), "--instances", "order=2,inventory=2");
    env = cluster.env;
    webPort = cluster.webPort;
    member = cluster.member();
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @org.junit.jupiter.api.Order(0)
  @DisplayName("every clustered JVM serves its own /metrics (MICROSHOP_METRICS_PORT from cluster.sh)")
  void metricsPerJvm() throws Exception {
    for (String instance : List.of("inventory-1", "inventory-2", "customer-1", "order-1", "order-2", "shipping-1",
        "history-1", "web-1")) {
      String service = instance.substring(0, instance.indexOf('-'));
      HttpResponse<String> res = ShopProcess.HTTP.sendAsync(HttpRequest.newBuilder(URI.create(cluster.metricsUrl(instance)))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).get(30, TimeUnit.SECONDS);
      assertThat(res.statusCode()).as(instance).isEqualTo(200);
      assertThat(res.body()).as(instance).contains("jvm_memory_used_bytes");
      if (service.equals("order")) { // the order service reads shipping's events: its own gauges
        assertThat(res.body()).contains("microshop_event_consumer_position{consumer=\"order\",producer=\"shipping\"");
      }
      if (service.equals("history")) {
        assertThat(res.body()).contains("consumer=\"history\"").doesNotContain("consumer=\"order\"");
      }
    }
  }

  @Test
  @org.junit.jupiter.api.Order(0)
  @DisplayName("every service's instances pool their connections through their database server's Unix socket (cluster.sh's"
      + " db.socket-directory; the migrations' connections, over TCP, are closed by then)")
  void poolsThroughTheSocket() throws Exception {
    int base = Integer.parseInt(env.get("MICROSHOP_DB_PORT_BASE"));
    List<String> services = List.of("inventory", "customer", "order", "shipping", "history"); // cluster.sh's ranks 1-5
    for (String service : services) {
      int port = base + services.indexOf(service) + 1;
      try (var c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "");
           var rs = c.createStatement().executeQuery("SELECT count(*) FILTER (WHERE client_port = -1), count(*)"
               + " FROM pg_stat_activity WHERE backend_type = 'client backend' AND usename = '" + service + "'")) {
        rs.next();
        assertThat(rs.getLong(2)).as(service + "'s connections").isPositive();
        assertThat(rs.getLong(1)).as(service + "'s connections through the socket").isEqualTo(rs.getLong(2));
      }
    }
  }

  @Test
  @org.junit.jupiter.api.Order(2)
  @DisplayName("an order's trace crosses the JVMs (after the kills: the survivors): the admin's trace of one order holds spans of the web's, an order's, an inventory's, the customer's, the shipping's and the history's JVM, through the event logs to its delivery, one tree")
  void traceAcrossJvms() throws Exception {
    String base = "http://127.0.0.1:" + webPort;
    String email = "traced-" + UUID.randomUUID() + "@example.com";
    assertThat(post(base + "/api/customers", null, null, new JsonObject().put("name", "T").put("email", email)
        .put("password", "a long password")).statusCode()).isEqualTo(201);
    String token = new JsonObject(post(base + "/api/login", null, null, new JsonObject().put("email", email)
        .put("password", "a long password")).body()).getString("token");
    String admin = new JsonObject(post(base + "/api/login", null, null, new JsonObject().put("email", "admin@microshop.local")
        .put("password", "microshop-admin-dev")).body()).getString("token");
    // stock for it whatever the storm before took (on a fast machine it sold every mug: the order was rejected,
    // with no credit step or delivery in its trace)
    assertThat(post(base + "/api/admin/products/MUG-CLASSIC/restock", admin, "traced-restock",
        new JsonObject().put("quantity", 10)).statusCode()).isEqualTo(200);
    HttpResponse<String> placed = post(base + "/api/orders", token, "traced-1",
        new JsonObject().put("lines", new io.vertx.core.json.JsonArray().add(new JsonObject().put("sku", "MUG-CLASSIC").put("quantity", 1))));
    assertThat(placed.statusCode()).isEqualTo(202);
    String orderId = new JsonObject(placed.body()).getString("orderId");
    JsonObject trace = null;
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) { // until the history's view of its delivery is in (the courier takes 5 + 5 s)
      HttpResponse<String> res = ShopProcess.HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/admin/orders/" + orderId + "/trace"))
          .header("Authorization", "Bearer " + admin).timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(res.body()).as("the traced order's trace: it was rejected, it will have no credit step or delivery")
          .doesNotContain("apply order.rejected");
      if (res.statusCode() == 200 && (res.body().contains("send customer.reserve-credit") // alone, or in a batch
              || res.body().contains("batch customer.reserve-credit-all"))
          && new JsonObject(res.body()).getJsonArray("spans").stream().map(JsonObject.class::cast)
              .anyMatch(span -> span.getString("name").equals("apply shipment.delivered") && span.getString("service").equals("history"))
          && everyParentIn(new JsonObject(res.body()))) { // no span's parent still open (the courier's, say)
        trace = new JsonObject(res.body());
        break;
      }
      sleep(500);
    }
    assertThat(trace).as("the order's trace with its credit step and its delivery in the history").isNotNull();
    List<JsonObject> spans = trace.getJsonArray("spans").stream().map(JsonObject.class::cast).toList();
    Map<String, Set<String>> nodesByService = new HashMap<>();
    for (JsonObject span : spans) {
      nodesByService.computeIfAbsent(span.getString("service"), k -> new java.util.TreeSet<>()).add(span.getString("node"));
    }
    assertThat(nodesByService).containsKeys("web", "order", "inventory", "customer", "shipping", "history");
    assertThat(spans).extracting(span -> span.getString("name"))
        .contains("apply order.approved", "courier ship", "courier deliver", "apply shipment.shipped", "apply shipment.delivered");
    Set<String> nodes = new java.util.TreeSet<>();
    for (String service : List.of("web", "order", "inventory", "customer", "shipping", "history")) {
      nodes.addAll(nodesByService.get(service));
    }
    assertThat(nodes).as("one JVM per service: %s", nodesByService).hasSizeGreaterThanOrEqualTo(6);
    Set<String> ids = new java.util.HashSet<>();
    spans.forEach(span -> ids.add(span.getString("spanId")));
    assertThat(spans.stream().filter(span -> span.getString("parentId") == null)).singleElement()
        .satisfies(root -> assertThat(root.getString("name")).isEqualTo("POST /api/orders"));
    assertThat(spans.stream().filter(span -> span.getString("parentId") != null))
        .allSatisfy(span -> assertThat(ids).contains(span.getString("parentId")));
  }

  private static boolean everyParentIn(JsonObject trace) {
    List<JsonObject> spans = trace.getJsonArray("spans").stream().map(JsonObject.class::cast).toList();
    Set<String> ids = new java.util.HashSet<>();
    spans.forEach(span -> ids.add(span.getString("spanId")));
    return spans.stream().allMatch(span -> span.getString("parentId") == null || ids.contains(span.getString("parentId")));
  }

  @Test
  @org.junit.jupiter.api.Order(1)
  @DisplayName("kill -9 one order and one inventory instance under load: nothing accepted is lost or duplicated, every saga completes, every invariant holds")
  void killUnderLoad() throws Exception {
    String base = "http://127.0.0.1:" + webPort;
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      String email = "crash" + i + "-" + UUID.randomUUID() + "@example.com";
      assertThat(post(base + "/api/customers", null, null, new JsonObject().put("name", "C" + i).put("email", email)
          .put("password", "a long password")).statusCode()).isEqualTo(201);
      tokens.add(new JsonObject(post(base + "/api/login", null, null, new JsonObject().put("email", email)
          .put("password", "a long password")).body()).getString("token"));
    }
    String[] skus = {"MUG-CLASSIC", "PEN-GEL-3", "STICKERS-10", "NOTEBOOK-A5", "SOCKS-STRIPE"};
    Map<String, Integer> onHand = new HashMap<>();
    for (Object p : request(InventoryAddresses.STOCK_REPORT, new JsonObject()).getJsonArray("products")) {
      onHand.put(((JsonObject) p).getString("sku"), ((JsonObject) p).getInteger("onHand"));
    }

    Map<String, String> accepted = new ConcurrentHashMap<>(); // idempotency key → order id
    AtomicLong killedAt = new AtomicLong();
    AtomicLong firstAfterKill = new AtomicLong();
    long end = System.currentTimeMillis() + 20_000;
    List<Thread> clients = new ArrayList<>();
    // what goes wrong on a client thread is kept here and asserted on the test's thread (an
    // assertion failing on a client thread would only end that thread)
    Queue<Throwable> clientFailures = new ConcurrentLinkedQueue<>();
    for (int c = 0; c < 4; c++) {
      int client = c;
      Thread thread = new Thread(() -> {
        try {
          placeUntil(end, client, base, tokens, skus, accepted, killedAt, firstAfterKill);
        } catch (Throwable t) {
          clientFailures.add(t);
        }
      });
      thread.start();
      clients.add(thread);
    }
    sleep(6_000);
    long before = accepted.size();
    killedAt.set(System.nanoTime());
    long orderPid = cluster.kill("order-1");
    long inventoryPid = cluster.kill("inventory-1");
    // discovery hygiene: the surviving services' own sweep (every 2 s, ServiceRegistry) withdraws the
    // dead JVMs' records once the cluster has seen them leave; this test only reads the registry.
    // The README's bound for a kill -9: gone within ~10 s.
    ServiceRegistry registry = new ServiceRegistry(member);
    long recordsGoneMs = -1;
    while (recordsGoneMs < 0 && (System.nanoTime() - killedAt.get()) < 30_000_000_000L) {
      List<JsonObject> records = registry.records().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      boolean stale = records.stream().map(r -> r.getJsonObject("metadata", new JsonObject()).getLong("pid", -1L))
          .anyMatch(pid -> pid == orderPid || pid == inventoryPid);
      if (!stale) {
        recordsGoneMs = (System.nanoTime() - killedAt.get()) / 1_000_000;
      } else {
        sleep(100);
      }
    }
    System.out.printf("cluster: discovery records of the killed JVMs gone %d ms after kill -9%n", recordsGoneMs);
    assertThat(recordsGoneMs).as("records of killed JVMs withdrawn by the services' sweep (ms after kill -9)")
        .isBetween(0L, 10_000L);
    for (Thread t : clients) {
      t.join();
    }
    assertThat(clientFailures).as("failures on the client threads").isEmpty();
    long toFirstMs = (firstAfterKill.get() - killedAt.get()) / 1_000_000;
    System.out.printf("cluster: %d orders accepted (%d before the kill); kill -9 to the first order accepted by a survivor: %d ms%n",
        accepted.size(), before, toFirstMs);
    assertThat(accepted.size()).isGreaterThan((int) before);

    // every accepted order exists once, and every saga completes
    JsonArray orders = awaitFinal(accepted.size(), 120_000);
    Set<String> ids = ConcurrentHashMap.newKeySet();
    for (Object o : orders) {
      ids.add(((JsonObject) o).getString("orderId"));
    }
    assertThat(orders).hasSize(accepted.size());
    assertThat(ids).containsAll(accepted.values());
    assertThat(Set.copyOf(accepted.values())).hasSize(accepted.size()); // no key got two orders
    // with credit to spare (5000.00 each), an order of one item is approved (and then delivered)
    // exactly when its product had stock left: per product, min(ordered, on hand at the start)
    Map<String, Integer> ordered = new HashMap<>();
    Map<String, Integer> delivered = new HashMap<>();
    for (Object o : orders) {
      JsonObject order = (JsonObject) o;
      String sku = order.getJsonArray("lines").getJsonObject(0).getString("sku");
      ordered.merge(sku, 1, Integer::sum);
      if (order.getString("status").equals("DELIVERED")) {
        delivered.merge(sku, 1, Integer::sum);
      }
    }
    Map<String, Integer> approvable = new HashMap<>();
    ordered.forEach((sku, n) -> approvable.put(sku, Math.min(n, onHand.get(sku))));
    assertThat(delivered).as("orders approved and delivered per product (ordered: %s)", ordered).isEqualTo(approvable);
    int checks = dev.microshop.invariants.Invariants.assertHold(member);
    System.out.printf("cluster crash: %d orders settled (%d delivered), %d invariant checks passed%n", orders.size(),
        delivered.values().stream().mapToInt(Integer::intValue).sum(), checks);
  }

  /** One client: an order of one random product at a time until {@code end}, each retried with its key on 503/504 or a broken connection. */
  private static void placeUntil(long end, int client, String base, List<String> tokens, String[] skus,
                                 Map<String, String> accepted, AtomicLong killedAt, AtomicLong firstAfterKill) {
    int n = 0;
    while (System.currentTimeMillis() < end) {
      String key = "c" + client + "-" + n++;
      JsonObject body = new JsonObject().put("lines", new JsonArray().add(new JsonObject()
          .put("sku", skus[ThreadLocalRandom.current().nextInt(skus.length)]).put("quantity", 1)));
      String token = tokens.get((client + n) % tokens.size());
      for (int attempt = 0; attempt < 10; attempt++) { // a client retries with the same key
        try {
          HttpResponse<String> res = post(base + "/api/orders", token, key, body);
          if (res.statusCode() == 202) {
            accepted.put(key, new JsonObject(res.body()).getString("orderId"));
            if (killedAt.get() > 0) {
              firstAfterKill.compareAndSet(0, System.nanoTime());
            }
            break;
          }
          assertThat(res.statusCode()).as(res.body()).isIn(503, 504);
        } catch (Exception e) {
          // connection trouble: try again
        }
        sleep(200);
      }
      sleep(100);
    }
  }

  private JsonArray awaitFinal(int expected, long timeoutMs) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (true) {
      JsonArray orders = request(OrderAddresses.LIST, new JsonObject().put("limit", 1000)).getJsonArray("orders");
      if (orders.size() >= expected && orders.stream().allMatch(o -> FINAL.contains(((JsonObject) o).getString("status")))) {
        return orders;
      }
      assertThat(System.currentTimeMillis()).as("every saga completes").isLessThan(deadline);
      sleep(500);
    }
  }

  private static JsonObject request(String address, JsonObject body) throws Exception {
    return member.eventBus().<JsonObject>request(address, body).map(m -> m.body())
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  @org.junit.jupiter.api.Order(3)
  @DisplayName("a node with another cluster name never joins; SIGTERM withdraws a service's record before its JVM leaves")
  void clusterNameAndGracefulStop() throws Exception {
    Map<String, String> stranger = new HashMap<>(env);
    stranger.put("MICROSHOP_CLUSTER_NAME", "not-" + env.get("MICROSHOP_CLUSTER_NAME"));
    ShopClusterManager cm = new ShopClusterManager(ClusterConfig.load(stranger));
    Vertx outsider = Vertx.builder().withClusterManager(cm).buildClustered().toCompletionStage().toCompletableFuture()
        .get(60, TimeUnit.SECONDS);
    try {
      assertThat(cm.getNodes()).hasSize(1);
      Throwable refused = org.assertj.core.api.Assertions.catchThrowable(() -> outsider.eventBus()
          .request(OrderAddresses.LIST, new JsonObject()).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
      assertThat(refused).hasRootCauseInstanceOf(io.vertx.core.eventbus.ReplyException.class);
    } finally {
      outsider.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    long pid = cluster.pid("shipping-1");
    ProcessHandle shipping = ProcessHandle.of(pid).orElseThrow();
    ServiceRegistry registry = new ServiceRegistry(member);
    new ProcessBuilder("kill", "-TERM", Long.toString(pid)).start().waitFor();
    assertThat(shipping.onExit().get(30, TimeUnit.SECONDS).isAlive()).isFalse();
    List<JsonObject> records = registry.records().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(records).noneMatch(r -> r.getJsonObject("metadata", new JsonObject()).getLong("pid", -1L) == pid);
    Path log = cluster.dir.resolve("logs").resolve("shipping-1.log");
    assertThat(Files.readString(log)).contains("shipping service stopped");
  }

  private static HttpResponse<String> post(String url, String token, String key, JsonObject body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode()));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (key != null) {
      b.header("Idempotency-Key", key);
    }
    return ShopProcess.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
