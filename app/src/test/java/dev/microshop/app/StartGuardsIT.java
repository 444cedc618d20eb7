package dev.microshop.app;

import dev.microshop.common.testing.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A newcomer's first starts: scripts/run.sh with the README's {@code -conf}, a typo'd variable, the
 * shop started a second time on the same data, a {@code -conf} of the wrong shape, and a cluster
 * started on a port that something else holds. Each start that would go wrong stops at once with one
 * line, and the shop that runs is untouched.
 */
class StartGuardsIT {

  private static final String JAR = "app/target/microshop-fat.jar";
  private static Path data;
  private static int port;
  private static Process runSh;
  private static Path runLog;

  /** scripts/run.sh as the README shows it: {@code -conf my.json}, here with a typo'd variable beside it. */
  @BeforeAll
  static void startWithReadmeConf() throws Exception {
    data = TestData.freshDataDir("start-guards");
    port = ShopProcess.freePort();
    Path conf = data.resolveSibling("my.json");
    Files.writeString(conf, "{\"web\": {\"http\": {\"port\": " + port + "}}, "
        + "\"shipping\": {\"courier\": {\"delivery-delay-ms\": 1000}}}");
    runLog = data.resolveSibling("run-sh.log");
    ProcessBuilder pb = new ProcessBuilder("bash", "scripts/run.sh", "-conf", conf.toString())
        .directory(ShopProcess.REPO.toFile()).redirectErrorStream(true).redirectOutput(runLog.toFile());
    pb.environment().putAll(env(data));
    pb.environment().put("MICROSHOP_WEB_HTTP_PORT", Integer.toString(ShopProcess.freePort())); // -conf wins over it
    pb.environment().put("MICROSHOP_WEB_HTTP_PROT", "8090");
    pb.environment().put("JAVA_OPTS", "-Xmx256m -XX:+UseSerialGC");
    runSh = pb.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (!Files.readString(runLog).contains("Microshop is ready") && System.nanoTime() < deadline) {
      assertThat(runSh.isAlive()).as("run.sh ended; its output:%n%s", Files.readString(runLog)).isTrue();
      Thread.sleep(200);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (runSh != null) {
      // the shop's JVM first (SIGTERM: a graceful stop), then run.sh, which waits for it
      runSh.toHandle().children().forEach(ProcessHandle::destroy);
      runSh.destroy();
      if (!runSh.waitFor(60, TimeUnit.SECONDS)) {
        runSh.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        runSh.destroyForcibly();
      }
    }
  }

  @Test
  @DisplayName("run.sh -conf with the README's example serves on the port of that file, and says ready there")
  void confTakesEffect() throws Exception {
    assertThat(Files.readString(runLog)).contains("Microshop is ready: http://localhost:" + port + "/");
    assertThat(ShopProcess.get("http://127.0.0.1:" + port + "/health").statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a typo'd MICROSHOP_ variable gets one warning line naming it and the variable it most likely meant")
  void typoWarned() throws Exception {
    assertThat(Files.readAllLines(runLog)).filteredOn(l -> l.contains("MICROSHOP_WEB_HTTP_PROT")).singleElement()
        .asString().contains("unknown environment variable MICROSHOP_WEB_HTTP_PROT (did you mean MICROSHOP_WEB_HTTP_PORT?)");
  }

  @Test
  @DisplayName("a second all-in-one on the same data directory is refused before it touches a database, naming the "
      + "directory and the first JVM; the first shop's health and data are untouched")
  void secondStartRefused() throws Exception {
    long first = runSh.toHandle().children().filter(h -> h.info().command().orElse("").endsWith("java"))
        .findFirst().orElseThrow().pid();
    String product = "http://127.0.0.1:" + port + "/api/products/MUG-CLASSIC";
    String before = ShopProcess.get(product).body();
    List<String> postmaster = Files.readAllLines(data.resolve("postmaster.pid"));

    Map<String, String> env = new java.util.HashMap<>(env(data));
    env.put("MICROSHOP_WEB_HTTP_PORT", Integer.toString(ShopProcess.freePort()));
    try (ShopProcess second = ShopProcess.start("second-start", JAR, env)) {
      assertThat(second.waitFor(Duration.ofSeconds(60))).as("exit code of the second start").isEqualTo(15);
      List<String> log = Files.readAllLines(second.log);
      assertThat(log).filteredOn(l -> l.contains("ERROR")).singleElement().asString()
          .endsWith("not started: the data directory " + data.toAbsolutePath().normalize()
              + " is in use by another Microshop JVM (pid " + first + "): stop that one, or start this one on another"
              + " directory (db.embedded-data-dir, e.g. MICROSHOP_SHARED_DB_EMBEDDED_DATA_DIR)");
      assertThat(log).noneMatch(l -> l.contains("schema at version") || l.contains("joining") || l.contains("service started"));
    }
    assertThat(ShopProcess.get("http://127.0.0.1:" + port + "/health").statusCode()).isEqualTo(200);
    assertThat(ShopProcess.get(product).body()).isEqualTo(before);
    assertThat(Files.readAllLines(data.resolve("postmaster.pid"))).isEqualTo(postmaster);
  }

  @Test
  @DisplayName("a -conf shaped like one service's file is refused with one line showing the all-in-one's shape, "
      + "by run.sh before it starts the shop and by the fat jar itself")
  void wrongConfShapeRefused() throws Exception {
    Path conf = data.resolveSibling("service-shaped.json");
    Files.writeString(conf, "{\"http\": {\"port\": 8091}}");
    String expected = "-conf: \"http\" is not a service; the all-in-one's -conf holds one object per service "
        + "(inventory, customer, order, shipping, history, web), each shaped like conf/<service>.json, "
        + "e.g. {\"web\": {\"http\": {\"port\": 8091}}}";

    Path other = TestData.freshDataDir("start-guards-conf");
    Map<String, String> env = new java.util.HashMap<>(env(other));
    env.put("MICROSHOP_WEB_HTTP_PORT", Integer.toString(ShopProcess.freePort()));
    Result runSh = run(List.of("bash", "scripts/run.sh", "-conf", conf.toString()), env);
    assertThat(runSh.exit).isEqualTo(2);
    assertThat(runSh.output).isEqualTo(expected);

    try (ShopProcess jar = ShopProcess.start("conf-shape", JAR, env, "-conf", conf.toString())) {
      assertThat(jar.waitFor(Duration.ofSeconds(60))).isEqualTo(15);
      assertThat(Files.readAllLines(jar.log)).filteredOn(l -> l.contains("ERROR")).singleElement().asString()
          .endsWith("not started: " + expected);
      assertThat(Files.exists(other)).as("no database was started").isFalse();
    }
  }

  @Test
  @DisplayName("a service's jar carries no PostgreSQL: started with the embedded default it is refused with one line naming "
      + "its database server and an external PostgreSQL, and starts none; run from it, the database server is refused too")
  void serviceJarWithoutEmbeddedDatabase() throws Exception {
    Path other = TestData.freshDataDir("start-guards-service-jar");
    Map<String, String> env = Map.of("MICROSHOP_CUSTOMER_DB_EMBEDDED_DATA_DIR", other.toString());
    try (ShopProcess jar = ShopProcess.start("service-jar-embedded", "verticles/customer/target/customer-fat.jar", env)) {
      assertThat(jar.waitFor(Duration.ofSeconds(60))).isEqualTo(15);
      assertThat(Files.readAllLines(jar.log)).filteredOn(l -> l.contains("ERROR")).singleElement().asString()
          .contains("not started: the customer service's database (db.embedded=true, the default) needs an embedded"
              + " PostgreSQL, and this jar carries none")
          .contains("scripts/cluster.sh").contains("MICROSHOP_<SERVICE>_DB_EMBEDDED=false");
    }
    assertThat(Files.exists(other)).as("no database was started").isFalse();

    Result server = run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        "verticles/customer/target/customer-fat.jar", "dev.microshop.common.db.DbServerMain", "--service", "customer",
        "--data-dir", other.toString(), "--port", Integer.toString(ShopProcess.freePort())), Map.of());
    assertThat(server.exit).isEqualTo(2);
    assertThat(server.output).startsWith("the database server needs an embedded PostgreSQL, and this jar carries none");
    assertThat(Files.exists(other)).as("no database was started").isFalse();
  }

  @Test
  @DisplayName("a database server started as the scripts start it unpacks PostgreSQL on a machine that never had it,"
      + " and unpacks it again where an unpacking stopped half-way")
  void databaseServerUnpacksPostgres() throws Exception {
    // zonky's working directory of this test alone: no PostgreSQL unpacked there yet, as on a fresh machine
    Path work = TestData.freshDataDir("start-guards-unpack").resolveSibling("embedded-pg");
    Map<String, String> env = Map.of("JAVA_TOOL_OPTIONS", "-Dot.epg.working-dir=" + work);
    Path data = work.resolveSibling("customer/pg");
    int dbPort = ShopProcess.freePort();
    try (ShopProcess db = ShopProcess.databaseServer("customer", data, dbPort, env)) {
      db.terminate(Duration.ofSeconds(60));
    }
    Path unpacked;
    try (var dirs = Files.list(work)) {
      unpacked = dirs.filter(d -> d.getFileName().toString().startsWith("PG-")).toList().get(0);
    }
    assertThat(unpacked.resolve(".exists")).exists();
    assertThat(unpacked.resolve("bin/postgres")).exists();

    // an unpacking that stopped half-way (its JVM killed, or out of memory): no mark of its end, the programs not
    // there yet, and a link whose file is not (zonky takes a link to a missing file for a missing link, and
    // fails to create it again: the unpacking's order in the archive left one so in a start out of memory)
    Files.delete(unpacked.resolve(".exists"));
    try (var files = Files.walk(unpacked.resolve("bin"))) {
      for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
    Path link;
    try (var libs = Files.list(unpacked.resolve("lib"))) {
      link = libs.filter(Files::isSymbolicLink).findFirst().orElseThrow();
    }
    Files.delete(link.resolveSibling(Files.readSymbolicLink(link)));
    try (ShopProcess db = ShopProcess.databaseServer("customer", data, dbPort, env)) {
      assertThat(Files.readString(db.log)).contains("emptying " + unpacked + ": an unpacking of PostgreSQL's programs"
          + " stopped there before its end");
      db.terminate(Duration.ofSeconds(60));
    }
    assertThat(unpacked.resolve(".exists")).exists();
    assertThat(unpacked.resolve("bin/postgres")).exists();
  }

  @Test
  @DisplayName("cluster.sh start with the web port taken fails at once, non-zero, naming the port, and starts no JVM")
  void clusterOnTakenPort() throws Exception {
    Path dir = Files.createTempDirectory(ShopProcess.REPO.resolve("app/target").toAbsolutePath(), "cluster-taken-");
    int base = ThreadLocalRandom.current().nextInt(25_000, 30_000);
    Map<String, String> env = Map.of(
        "MICROSHOP_CLUSTER_DIR", dir.toString(),
        "MICROSHOP_DB_PORT_BASE", Integer.toString(base + 100),
        "MICROSHOP_METRICS_PORT_BASE", Integer.toString(base + 200));
    try (ServerSocket held = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Map<String, String> taken = new java.util.HashMap<>(env);
      taken.put("MICROSHOP_WEB_HTTP_PORT", Integer.toString(held.getLocalPort()));
      Result r = run(List.of("bash", "scripts/cluster.sh", "start"), taken);
      assertThat(r.exit).isNotZero();
      assertThat(r.output).startsWith("port " + held.getLocalPort() + " is already in use by ")
          .contains("MICROSHOP_WEB_HTTP_PORT").doesNotContain("is ready").doesNotContain("started ");
      try (var files = Files.walk(dir.resolve("run"))) { // no instance or database server was launched
        assertThat(files.filter(f -> f.toString().endsWith(".pid"))).isEmpty();
      }
    } finally {
      run(List.of("bash", "scripts/cluster.sh", "stop"), env); // whatever it might have started
    }
  }

  private record Result(int exit, String output) {
  }

  /** Runs a command in the repository's root for at most a minute; its output (stdout and stderr), trimmed. */
  private static Result run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
    Path out = Files.createTempFile(ShopProcess.REPO.resolve("app/target").toAbsolutePath(), "start-guards-", ".log");
    ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).directory(ShopProcess.REPO.toFile())
        .redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.toHandle().descendants().forEach(ProcessHandle::destroy);
      p.destroy();
      p.waitFor(30, TimeUnit.SECONDS);
      throw new AssertionError(String.join(" ", command) + " still running after 60 s: " + Files.readString(out));
    }
    return new Result(p.exitValue(), Files.readString(out).trim());
  }

  private static Map<String, String> env(Path dataDir) {
    return Map.of(
        "MICROSHOP_SHARED_DB_EMBEDDED_DATA_DIR", dataDir.toString(),
        "MICROSHOP_WEB_AUTH_DEV_SECRET_FILE", dataDir.resolveSibling("jwt").toString());
  }
}
