package dev.microshop.app;

import dev.microshop.common.cluster.ClusterConfig;
import dev.microshop.common.cluster.ShopClusterManager;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A shop started by scripts/cluster.sh, one JVM per service instance, in a directory and on ports of
 * its own, and a member this test JVM adds to its Hazelcast cluster to talk to the services over
 * the event bus. The script's output goes to app/target/cluster-sh.log.
 */
final class ScriptedCluster implements AutoCloseable {

  final Path dir;
  final Map<String, String> env;
  final int webPort;
  private Vertx member;

  private ScriptedCluster(Path dir, Map<String, String> env, int webPort) {
    this.dir = dir;
    this.env = env;
    this.webPort = webPort;
  }

  /** {@code cluster.sh start <startArgs>} with the environment of a fresh cluster plus {@code extraEnv}; waits until healthy. */
  static ScriptedCluster start(String name, Map<String, String> extraEnv, String... startArgs) throws Exception {
    Path dir = Files.createTempDirectory(ShopProcess.REPO.resolve("app/target").toAbsolutePath(), name + "-");
    int webPort = ShopProcess.freePort();
    int hzPort = ThreadLocalRandom.current().nextInt(25_000, 30_000); // below the ephemeral range (32768+)
    Map<String, String> env = new HashMap<>(Map.of(
        "MICROSHOP_CLUSTER_DIR", dir.toString(),
        "MICROSHOP_CLUSTER_NAME", name + "-" + UUID.randomUUID(),
        "MICROSHOP_CLUSTER_PORT", Integer.toString(hzPort),
        "MICROSHOP_DB_PORT_BASE", Integer.toString(hzPort + 100),
        "MICROSHOP_METRICS_PORT_BASE", Integer.toString(hzPort + 200),
        "MICROSHOP_WEB_HTTP_PORT", Integer.toString(webPort),
        "MICROSHOP_WEB_AUTH_DEV_SECRET_FILE", dir.resolve("jwt").toString()));
    env.putAll(extraEnv);
    ScriptedCluster cluster = new ScriptedCluster(dir, env, webPort);
    List<String> args = new ArrayList<>(List.of("start"));
    args.addAll(List.of(startArgs));
    long t0 = System.nanoTime();
    cluster.script(args.toArray(String[]::new));
    System.out.printf("%s: cluster.sh start to healthy in %d ms%n", name, (System.nanoTime() - t0) / 1_000_000);
    return cluster;
  }

  /** This test JVM as a member of the cluster (joined on first use). */
  Vertx member() throws Exception {
    if (member == null) {
      member = Vertx.builder().withClusterManager(new ShopClusterManager(ClusterConfig.load(env))).buildClustered()
          .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
    return member;
  }

  /** The {@code /metrics} URL of an instance, e.g. {@code order-2}: cluster.sh's base + 10 × the service's rank + its number. */
  String metricsUrl(String instance) {
    List<String> ranks = List.of("inventory", "customer", "order", "shipping", "history", "web"); // cluster.sh's, from 1
    int port = Integer.parseInt(env.get("MICROSHOP_METRICS_PORT_BASE"))
        + (ranks.indexOf(instance.substring(0, instance.indexOf('-'))) + 1) * 10
        + Integer.parseInt(instance.substring(instance.indexOf('-') + 1));
    return "http://127.0.0.1:" + port + "/metrics";
  }

  /** The pid of an instance, e.g. {@code order-1}, as cluster.sh recorded it. */
  long pid(String instance) throws Exception {
    return Long.parseLong(Files.readString(dir.resolve("run").resolve(instance + ".pid")).trim());
  }

  /** kill -9 of an instance (no shutdown hook runs); returns its pid once it is gone. */
  long kill(String instance) throws Exception {
    long pid = pid(instance);
    ProcessHandle jvm = ProcessHandle.of(pid).orElseThrow();
    jvm.destroyForcibly();
    jvm.onExit().get(30, TimeUnit.SECONDS);
    return pid;
  }

  /** {@code cluster.sh restart <instance>}: starts it again, without waiting for it. */
  void restart(String instance) throws Exception {
    script("restart", instance);
  }

  /** {@code cluster.sh logs <text>}: every instance's lines that contain {@code text}, merged in time order. */
  List<String> logs(String text) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("bash", ShopProcess.REPO.resolve("scripts/cluster.sh").toString(), "logs", text)
        .directory(ShopProcess.REPO.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("cluster.sh logs: %s", out).isZero();
    return out.lines().toList();
  }

  /**
   * A pool on a service's database as the superuser of its embedded PostgreSQL (loopback trust),
   * on the port in the server's postmaster.pid: it answers while the service's JVM is dead.
   */
  Pool superuser(String service) throws Exception {
    List<String> postmaster = Files.readAllLines(dir.resolve(service).resolve("pg").resolve("postmaster.pid"));
    int port = Integer.parseInt(postmaster.get(3).trim()); // pid, data dir, start time, port, ...
    return PgBuilder.pool().connectingTo(new PgConnectOptions().setHost("localhost").setPort(port)
        .setDatabase(service).setUser("postgres")).using(member()).build();
  }

  /** Leaves the cluster, then {@code cluster.sh stop} (which also stops the PostgreSQL servers killed JVMs left). */
  @Override
  public void close() throws Exception {
    try {
      if (member != null) {
        member.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    } finally {
      script("stop"); // also when the member's leave failed: no JVM of the test outlives it
    }
  }

  private void script(String... args) throws Exception {
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
