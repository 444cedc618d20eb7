package dev.microshop.app;

import dev.microshop.common.testing.TestData;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Several hosts on one machine: three network namespaces ("hosts" 10.231.0.1–3) joined by veth
 * pairs to a bridge that lives in a fourth namespace, so nothing touches the machine's own
 * network. The web runs on host a, the order service on host b, the customer and inventory
 * services on host c; each JVM binds Hazelcast and the event bus to its host's address and joins
 * through the member list, as on real machines. Needs root (CI runs as root).
 */
class MultiHostIT {

  private static final String PREFIX = "ms" + (ProcessHandle.current().pid() % 10_000);
  private static final String[] HOSTS = {"a", "b", "c"};
  private static final List<Process> JVMS = new ArrayList<>();
  private static Path dir;

  @BeforeAll
  static void network() throws Exception {
    assumeTrue("0".equals(sh("id", "-u").trim()), "network namespaces need root");
    dir = TestData.freshDataDir("multihost").getParent();
    String sw = PREFIX + "-sw";
    sh("ip", "netns", "add", sw);
    sh("ip", "-n", sw, "link", "add", "br0", "type", "bridge");
    sh("ip", "-n", sw, "link", "set", "br0", "up");
    for (int i = 0; i < HOSTS.length; i++) {
      String ns = ns(HOSTS[i]);
      String host = PREFIX + HOSTS[i];
      sh("ip", "netns", "add", ns);
      sh("ip", "link", "add", host + "-h", "type", "veth", "peer", "name", host + "-s");
      sh("ip", "link", "set", host + "-h", "netns", ns);
      sh("ip", "link", "set", host + "-s", "netns", sw);
      sh("ip", "-n", sw, "link", "set", host + "-s", "master", "br0");
      sh("ip", "-n", sw, "link", "set", host + "-s", "up");
      sh("ip", "-n", ns, "addr", "add", address(i) + "/24", "dev", host + "-h");
      sh("ip", "-n", ns, "link", "set", host + "-h", "up");
      sh("ip", "-n", ns, "link", "set", "lo", "up");
    }
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
  @DisplayName("services spread over three hosts: an order placed through the web on one completes with order, customer and inventory on the others")
  void orderAcrossHosts() throws Exception {
    long t0 = System.nanoTime();
    start(1, "order");
    start(2, "customer");
    start(2, "inventory");
    start(0, "web");
    String base = "http://" + address(0) + ":8080";
    long deadline = System.currentTimeMillis() + 180_000;
    while (!curl("-o", "/dev/null", "-w", "%{http_code}", base + "/health").equals("200")) {
      assertThat(System.currentTimeMillis()).as("cluster healthy across hosts; logs in " + dir).isLessThan(deadline);
      Thread.sleep(500);
    }
    System.out.printf("multi-host: 4 JVMs on 3 hosts healthy in %d ms%n", (System.nanoTime() - t0) / 1_000_000);

    String account = new JsonObject().put("name", "Ada").put("email", "ada@example.com").put("password", "a long password").encode();
    assertThat(new JsonObject(curl("-X", "POST", "-H", "Content-Type: application/json", "-d", account, base + "/api/customers"))
        .getString("email")).isEqualTo("ada@example.com");
    String token = new JsonObject(curl("-X", "POST", "-H", "Content-Type: application/json",
        "-d", new JsonObject().put("email", "ada@example.com").put("password", "a long password").encode(),
        base + "/api/login")).getString("token");
    JsonObject placed = new JsonObject(curl("-X", "POST", "-H", "Content-Type: application/json",
        "-H", "Authorization: Bearer " + token, "-H", "Idempotency-Key: across-hosts",
        "-d", "{\"lines\":[{\"sku\":\"MUG-CLASSIC\",\"quantity\":2}]}", base + "/api/orders"));
    String id = placed.getString("orderId");
    assertThat(id).isNotNull();
    JsonObject order;
    do {
      Thread.sleep(200);
      order = new JsonObject(curl("-H", "Authorization: Bearer " + token, base + "/api/orders/" + id));
    } while (order.getString("status").equals("PENDING") && System.currentTimeMillis() < deadline);
    assertThat(order.getString("status")).isEqualTo("APPROVED");
    assertThat(order.getString("total")).isEqualTo("25.80");
    assertThat(new JsonObject(curl("-H", "Authorization: Bearer " + token, base + "/api/me")).getString("availableCredit"))
        .isEqualTo("974.20");
  }

  private static void start(int host, String service) throws Exception {
    String members = address(0) + "," + address(1) + "," + address(2);
    String upper = service.toUpperCase();
    List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", ns(HOSTS[host]), "env",
        "MICROSHOP_CLUSTER_NAME=" + PREFIX, "MICROSHOP_CLUSTER_MEMBERS=" + members,
        "MICROSHOP_CLUSTER_INTERFACE=" + address(host),
        "MICROSHOP_" + upper + "_DB_EMBEDDED_DATA_DIR=" + dir.resolve(service).resolve("pg"),
        "MICROSHOP_WEB_SERVICES=inventory,customer,order",
        "MICROSHOP_WEB_AUTH_DEV_SECRET_FILE=" + dir.resolve("jwt"),
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-XX:+UseSerialGC",
        "-jar", ShopProcess.REPO.resolve("verticles/" + service + "/target/" + service + "-fat.jar").toString(), "-cluster"));
    Process p = new ProcessBuilder(command).directory(ShopProcess.REPO.toFile()).redirectErrorStream(true)
        .redirectOutput(dir.resolve(service + ".log").toFile()).start();
    JVMS.add(p);
  }

  private static String curl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", ns("a"), "curl", "-sS", "--max-time", "10"));
    command.addAll(List.of(args));
    return run(command, true);
  }

  private static String ns(String host) {
    return PREFIX + "-" + host;
  }

  private static String address(int i) {
    return "10.231.0." + (i + 1);
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
