package dev.microshop.app;

import dev.microshop.common.testing.TestData;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Several machines on one: four network namespaces ("hosts" 10.231.0.1–4) joined by veth pairs to
 * a bridge that lives in a fifth namespace, so nothing touches the machine's own network. Each host
 * is started the operator's way, {@code scripts/node.sh start} run inside its namespace: the
 * database host runs the database servers of every service listening on its address; hosts a and b
 * each run web, order, inventory and customer (two instances of each, both on the one database of
 * their service), host c shipping and history; the event bus with mutual TLS (a certificate made
 * here, as the README says). Needs root (CI runs as root).
 */
class MultiHostIT {

  private static final String PREFIX = "ms" + (ProcessHandle.current().pid() % 10_000);
  private static final String[] HOSTS = {"db", "a", "b", "c"};
  private static final String MEMBERS = address("a") + "," + address("b") + "," + address("c");
  private static final String JWT_SECRET = "multi-host-test-secret-of-at-least-32-characters";
  private static final List<Process> JVMS = new ArrayList<>();
  private static Path dir;
  private static Path keystore;

  @BeforeAll
  static void network() throws Exception {
    assumeTrue("0".equals(sh("id", "-u").trim()), "network namespaces need root");
    dir = TestData.freshDataDir("multihost").getParent();
    String sw = PREFIX + "-sw";
    sh("ip", "netns", "add", sw);
    sh("ip", "-n", sw, "link", "add", "br0", "type", "bridge");
    sh("ip", "-n", sw, "link", "set", "br0", "up");
    for (String h : HOSTS) {
      String ns = ns(h);
      String link = PREFIX + h;
      sh("ip", "netns", "add", ns);
      sh("ip", "link", "add", link + "-h", "type", "veth", "peer", "name", link + "-s");
      sh("ip", "link", "set", link + "-h", "netns", ns);
      sh("ip", "link", "set", link + "-s", "netns", sw);
      sh("ip", "-n", sw, "link", "set", link + "-s", "master", "br0");
      sh("ip", "-n", sw, "link", "set", link + "-s", "up");
      sh("ip", "-n", ns, "addr", "add", address(h) + "/24", "dev", link + "-h");
      sh("ip", "-n", ns, "link", "set", link + "-h", "up");
      sh("ip", "-n", ns, "link", "set", "lo", "up");
    }
    // the README's command: one certificate for the cluster, naming every member's address
    keystore = dir.resolve("cluster.p12");
    sh(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair", "-alias", "node",
        "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2", "-dname", "CN=microshop-cluster",
        "-ext", "SAN=ip:" + MEMBERS.replace(",", ",ip:"), "-storetype", "PKCS12", "-keystore", keystore.toString(),
        "-storepass", "cluster-secret", "-keypass", "cluster-secret");
  }

  @AfterAll
  static void cleanUp() throws Exception {
    for (Process p : JVMS) {
      p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    if (dir == null) {
      return;
    }
    for (String h : HOSTS) {
      shQuiet("ip", "netns", "pids", ns(h)).lines().forEach(pid -> shQuiet("kill", "-9", pid.trim()));
      shQuiet("ip", "netns", "del", ns(h));
    }
    shQuiet("ip", "netns", "del", PREFIX + "-sw");
  }

  @Test
  @DisplayName("node.sh on four hosts: a database host, two hosts with web, order, inventory and customer on the one database"
      + " of each service, one with shipping and history; orders through both webs settle, the invariants hold, and an"
      + " inventory on a database of its own is refused while orders go on")
  void scaleOut() throws Exception {
    // on a cluster interface, an event bus without mutual TLS is refused before anything starts
    Map<String, String> plain = new LinkedHashMap<>(hostEnv("a"));
    plain.remove("MICROSHOP_CLUSTER_TLS_KEYSTORE");
    Process refused = nodeAsync(plain, "start", "--services", "web", "--db-address", address("db"));
    String refusal = new String(refused.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(refused.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(refused.exitValue()).as(refusal).isEqualTo(2);
    assertThat(refusal).contains("the event bus on " + address("a") + " needs mutual TLS");

    long t0 = System.nanoTime();
    node("db", "start", "--db-host");
    for (String h : List.of("a", "b", "c")) { // the operator's copy of the role passwords (scp on real machines)
      Files.createDirectories(dir.resolve(h));
      sh("cp", "-rp", dir.resolve("db/db-secrets").toString(), dir.resolve(h).toString());
    }
    Map<String, Process> starts = new LinkedHashMap<>();
    starts.put("a", nodeAsync("a", "start", "--services", "web,order,inventory,customer", "--db-address", address("db")));
    starts.put("b", nodeAsync("b", "start", "--services", "web,order,inventory,customer", "--db-address", address("db")));
    starts.put("c", nodeAsync("c", "start", "--services", "shipping,history", "--db-address", address("db")));
    for (Map.Entry<String, Process> start : starts.entrySet()) {
      String out = new String(start.getValue().getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(start.getValue().waitFor(300, TimeUnit.SECONDS)).isTrue();
      assertThat(start.getValue().exitValue()).as("node.sh start on host %s: %s (logs in %s)", start.getKey(), out, dir).isZero();
    }
    String webA = "http://" + address("a") + ":8080";
    String webB = "http://" + address("b") + ":8080";
    awaitHealthy(webA);
    awaitHealthy(webB);
    System.out.printf("multi-host: 4 hosts, 5 database servers and 10 instances healthy in %d ms%n",
        (System.nanoTime() - t0) / 1_000_000);

    // customers made through one web log in through the other: one shop
    List<String> tokens = new ArrayList<>();
    for (int c = 0; c < 3; c++) {
      String email = "buyer" + c + "@example.com";
      String account = new JsonObject().put("name", "Buyer " + c).put("email", email).put("password", "a long password").encode();
      assertThat(new JsonObject(curl("-X", "POST", "-H", "Content-Type: application/json", "-d", account,
          (c % 2 == 0 ? webA : webB) + "/api/customers")).getString("email")).isEqualTo(email);
      tokens.add(new JsonObject(curl("-X", "POST", "-H", "Content-Type: application/json",
          "-d", new JsonObject().put("email", email).put("password", "a long password").encode(),
          (c % 2 == 0 ? webB : webA) + "/api/login")).getString("token"));
    }
    Map<String, String> placed = new LinkedHashMap<>(); // order id → the token that reads it
    for (int i = 0; i < 12; i++) {
      String line = switch (i) {
        case 4 -> "{\"sku\":\"MUG-CLASSIC\",\"quantity\":100}"; // 1,290.00 over the 1,000.00 credit limit
        case 9 -> "{\"sku\":\"POSTER-ARCH\",\"quantity\":31}"; // 465.00 within the credit, one more than the stock
        default -> "{\"sku\":\"MUG-CLASSIC\",\"quantity\":" + (1 + i % 3) + "}";
      };
      placed.put(place(i % 2 == 0 ? webA : webB, tokens.get(i % 3), "order-" + i, line), tokens.get(i % 3));
    }

    // an inventory on host c with a database of its own (db.embedded=true, the default): refused
    Process third = startByHand("c", "inventory", Map.of(
        "MICROSHOP_INVENTORY_DB_EMBEDDED_DATA_DIR", dir.resolve("c-own-inventory/pg").toString()));
    for (int i = 12; i < 16; i++) { // orders go on while it starts and is refused
      placed.put(place(i % 2 == 0 ? webA : webB, tokens.get(i % 3), "order-" + i, "{\"sku\":\"MUG-CLASSIC\",\"quantity\":1}"),
          tokens.get(i % 3));
    }
    assertThat(third.waitFor(180, TimeUnit.SECONDS)).as("the third inventory ends").isTrue();
    String thirdLog = Files.readString(dir.resolve("c-inventory-by-hand.log"));
    assertThat(third.exitValue()).as(thirdLog).isEqualTo(15);
    assertThat(thirdLog).contains("refusing to serve inventory");
    for (int i = 16; i < 20; i++) {
      placed.put(place(i % 2 == 0 ? webA : webB, tokens.get(i % 3), "order-" + i, "{\"sku\":\"MUG-CLASSIC\",\"quantity\":1}"),
          tokens.get(i % 3));
    }

    Map<String, Integer> outcomes = new HashMap<>();
    for (Map.Entry<String, String> order : placed.entrySet()) {
      outcomes.merge(settled(order.getKey(), order.getValue(), webA), 1, Integer::sum);
    }
    assertThat(outcomes.getOrDefault("REJECTED", 0)).as("outcomes %s", outcomes).isEqualTo(2);
    assertThat(outcomes.getOrDefault("DELIVERED", 0)).as("outcomes %s", outcomes).isEqualTo(18);
    assertThat(outcomes.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(20);

    // the invariants, read by a cluster member on host c (the test's JVM cannot reach the bridge)
    Process check = startByHand("c", null, Map.of());
    assertThat(check.waitFor(180, TimeUnit.SECONDS)).isTrue();
    String checked = Files.readString(dir.resolve("c-invariants-by-hand.log"));
    assertThat(check.exitValue()).as(checked).isZero();
    assertThat(checked).containsPattern("invariants hold: [1-9][0-9]* checks");
    for (String h : HOSTS) { // role passwords stay in their files: none in any log
      try (var logs = Files.list(dir.resolve(h).resolve("logs"))) {
        for (Path log : logs.toList()) {
          String text = Files.readString(log);
          for (String service : List.of("inventory", "customer", "order", "shipping", "history")) {
            assertThat(text).as(log.toString()).doesNotContain(Files.readString(dir.resolve("db/db-secrets/" + service + ".password")).trim());
          }
        }
      }
    }
    System.out.printf("multi-host: %s; %s%n", outcomes, checked.lines().filter(l -> l.startsWith("invariants")).findFirst().orElse(""));
  }

  private static String place(String web, String token, String key, String line) throws Exception {
    JsonObject placed = new JsonObject(curl("-X", "POST", "-H", "Content-Type: application/json",
        "-H", "Authorization: Bearer " + token, "-H", "Idempotency-Key: " + key,
        "-d", "{\"lines\":[" + line + "]}", web + "/api/orders"));
    assertThat(placed.getString("orderId")).as("placing %s through %s: %s", key, web, placed).isNotNull();
    return placed.getString("orderId");
  }

  /** The order's final status: REJECTED, or DELIVERED once shipping is done (else its status after 60 s). */
  private static String settled(String id, String token, String web) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    String status;
    do {
      status = new JsonObject(curl("-H", "Authorization: Bearer " + token, web + "/api/orders/" + id)).getString("status");
      if (List.of("REJECTED", "DELIVERED").contains(status)) {
        return status;
      }
      Thread.sleep(200);
    } while (System.currentTimeMillis() < deadline);
    return status;
  }

  private static void awaitHealthy(String web) throws Exception {
    long deadline = System.currentTimeMillis() + 120_000;
    while (!curl("-o", "/dev/null", "-w", "%{http_code}", web + "/health").equals("200")) {
      assertThat(System.currentTimeMillis()).as(web + " healthy; logs in " + dir).isLessThan(deadline);
      Thread.sleep(500);
    }
  }

  /** The cluster's settings of a host, as its operator exports them before running node.sh. */
  private static Map<String, String> hostEnv(String host) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("MICROSHOP_CLUSTER_NAME", PREFIX);
    env.put("MICROSHOP_CLUSTER_MEMBERS", MEMBERS);
    env.put("MICROSHOP_CLUSTER_INTERFACE", address(host));
    env.put("MICROSHOP_CLUSTER_TLS_KEYSTORE", keystore.toString());
    env.put("MICROSHOP_CLUSTER_TLS_KEYSTORE_PASSWORD", "cluster-secret");
    env.put("MICROSHOP_WEB_AUTH_PRODUCTION", "true");
    env.put("MICROSHOP_WEB_AUTH_JWT_SECRET", JWT_SECRET);
    env.put("MICROSHOP_NODE_DIR", dir.resolve(host).toString());
    env.put("MICROSHOP_SHIPPING_COURIER_PREPARE_DELAY_MS", "1000");
    env.put("MICROSHOP_SHIPPING_COURIER_DELIVERY_DELAY_MS", "1000");
    env.put("JAVA_OPTS", "-Xmx160m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
    return env;
  }

  private static void node(String host, String... args) throws Exception {
    Process p = nodeAsync(host, args);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("node.sh %s on host %s: %s", String.join(" ", args), host, out).isZero();
  }

  private static Process nodeAsync(String host, String... args) throws Exception {
    return nodeAsync(hostEnv(host), args);
  }

  private static Process nodeAsync(Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", ns(hostOf(env)), "env"));
    env.forEach((k, v) -> command.add(k + "=" + v));
    command.add(ShopProcess.REPO.resolve("scripts/node.sh").toString());
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }

  /**
   * A JVM started by hand on a host, as a careless operator would: the service's fat jar with the
   * cluster's settings and the extra variables (service null: {@link InvariantsMain} from the test classpath).
   */
  private static Process startByHand(String host, String service, Map<String, String> extra) throws Exception {
    List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", ns(host), "env"));
    hostEnv(host).forEach((k, v) -> command.add(k + "=" + v));
    extra.forEach((k, v) -> command.add(k + "=" + v));
    command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx160m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    if (service == null) {
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), InvariantsMain.class.getName()));
    } else {
      command.addAll(List.of("-jar", ShopProcess.REPO.resolve("verticles/" + service + "/target/" + service + "-fat.jar").toString(),
          "-cluster"));
    }
    Process p = new ProcessBuilder(command).directory(ShopProcess.REPO.toFile()).redirectErrorStream(true)
        .redirectOutput(dir.resolve(host + "-" + (service == null ? "invariants" : service) + "-by-hand.log").toFile()).start();
    JVMS.add(p);
    return p;
  }

  private static String curl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", ns("a"), "curl", "-sS", "--max-time", "10"));
    command.addAll(List.of(args));
    return run(command, true);
  }

  private static String hostOf(Map<String, String> env) {
    return List.of(HOSTS).stream().filter(h -> address(h).equals(env.get("MICROSHOP_CLUSTER_INTERFACE"))).findFirst().orElseThrow();
  }

  private static String ns(String host) {
    return PREFIX + "-" + host;
  }

  private static String address(String host) {
    return "10.231.0." + (List.of(HOSTS).indexOf(host) + 1);
  }

  private static String sh(String... command) throws Exception {
    return run(List.of(command), false);
  }

  private static String shQuiet(String... command) {
    try {
      return run(List.of(command), true);
    } catch (Exception e) {
      return "";
    }
  }

  private static String run(List<String> command, boolean tolerant) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    if (!tolerant) {
      assertThat(p.exitValue()).as(String.join(" ", command) + ": " + out).isZero();
    }
    return out;
  }
}
