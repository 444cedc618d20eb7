package dev.microshop.app;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A Microshop JVM started from a fat jar, as an operator would start it. */
final class ShopProcess implements AutoCloseable {

  static final Path REPO = Path.of(System.getProperty("microshop.repo", "..")).toAbsolutePath().normalize();
  // HTTP/1.1: the JDK client would otherwise try an h2c upgrade on every new connection (one such
  // exchange with a service JVM's metrics server once never completed)
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  private final String name;
  private final Process process;
  final Path log;

  private ShopProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /** Starts {@code java -jar <jar> <args>} in the repository's root with extra environment variables. */
  static ShopProcess start(String name, String jar, Map<String, String> env, String... args) throws IOException {
    List<String> javaArgs = new ArrayList<>(List.of("-jar", REPO.resolve(jar).toString()));
    javaArgs.addAll(List.of(args));
    return java(name, env, javaArgs);
  }

  /**
   * The service's database server on a port, as scripts/cluster.sh runs it (its command line from
   * scripts/lib/jvm.sh: DbServerMain from the all-in-one jar, a service's jar carries no PostgreSQL), once
   * it serves; {@link #databaseOf} points an instance at it.
   */
  static ShopProcess databaseServer(String service, Path dataDir, int port) throws Exception {
    return databaseServer(service, dataDir, port, Map.of());
  }

  /** {@link #databaseServer(String, Path, int)} with extra environment variables. */
  static ShopProcess databaseServer(String service, Path dataDir, int port, Map<String, String> env) throws Exception {
    List<String> command = new ArrayList<>(scriptsDatabaseServerCommand());
    command.addAll(List.of("--service", service, "--data-dir", dataDir.toString(), "--port", Integer.toString(port)));
    ShopProcess server = process("db-" + service, env, command);
    try {
      server.awaitLog("database server of " + service + " ready", Duration.ofSeconds(120));
    } catch (AssertionError e) {
      server.close();
      throw e;
    }
    return server;
  }

  /** scripts/lib/jvm.sh's {@code DB_SERVER_JAVA}, its {@code java} this JDK's. */
  private static List<String> scriptsDatabaseServerCommand() throws IOException, InterruptedException {
    Process p = new ProcessBuilder("bash", "-c", "source scripts/lib/jvm.sh && printf '%s\\n' \"${DB_SERVER_JAVA[@]}\"")
        .directory(REPO.toFile()).redirectErrorStream(true).start();
    List<String> words = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().toList();
    if (p.waitFor() != 0 || words.isEmpty() || !words.get(0).equals("java")) {
      throw new AssertionError("no DB_SERVER_JAVA from scripts/lib/jvm.sh: " + words);
    }
    List<String> command = new ArrayList<>(words);
    command.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
    return command;
  }

  /** The variables that point an instance of the service at its database server ({@link #databaseServer}). */
  static Map<String, String> databaseOf(String service, Path dataDir, int port) {
    String prefix = "MICROSHOP_" + service.toUpperCase(java.util.Locale.ROOT) + "_DB_";
    return Map.of(prefix + "EMBEDDED", "false", prefix + "HOST", "127.0.0.1", prefix + "PORT", Integer.toString(port),
        prefix + "DATABASE", service, prefix + "USER", service,
        prefix + "PASSWORD_FILE", dev.microshop.common.db.EmbeddedPostgresServer.passwordFile(dataDir, service).toString());
  }

  private static ShopProcess java(String name, Map<String, String> env, List<String> javaArgs) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-XX:+UseSerialGC"));
    command.addAll(javaArgs);
    return process(name, env, command);
  }

  /** Starts a command in the repository's root, its output (stdout and stderr) into a log of app/target/it-logs. */
  private static ShopProcess process(String name, Map<String, String> env, List<String> command) throws IOException {
    Path logs = REPO.resolve("app/target/it-logs");
    Files.createDirectories(logs);
    Path log = logs.resolve(name + "-" + System.currentTimeMillis() + ".log");
    ProcessBuilder pb = new ProcessBuilder(command).directory(REPO.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    return new ShopProcess(name, pb.start(), log);
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  /** kill -9: no shutdown hook runs. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /**
   * SIGTERM (the JVM's shutdown hooks run), then waits for the JVM to exit by itself; returns its
   * exit code, or fails when it is still running after {@code timeout}.
   */
  int terminate(Duration timeout) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + " still running " + timeout + " after SIGTERM; see " + log);
    }
    return process.exitValue();
  }

  /**
   * Sends a signal by name ({@code INT}: Ctrl-C; {@code TERM}) without waiting; fails at once when the
   * JVM ignores it: a build started as a background job of a non-interactive shell ({@code cmd &})
   * passes SIGINT on ignored, and a JVM that starts with a signal ignored installs no handler for it.
   */
  void signal(String name) throws IOException, InterruptedException {
    if (ignores(name)) {
      throw new AssertionError(this.name + " (pid " + process.pid() + ") ignores SIG" + name
          + ", as inherited from the shell that started the build (a background job of a non-interactive shell"
          + " ignores SIGINT): start the build from a foreground shell");
    }
    new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor();
  }

  /** Whether the JVM ignores the signal (its {@code SigIgn} mask in /proc); false when that cannot be read. */
  private boolean ignores(String signal) {
    Integer number = Map.of("HUP", 1, "INT", 2, "QUIT", 3, "TERM", 15).get(signal);
    if (number == null) {
      return false;
    }
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
        if (line.startsWith("SigIgn:")) {
          return (Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16) >>> (number - 1) & 1) == 1;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return false; // gone already, or no /proc: the signal's outcome tells
    }
    return false;
  }

  /** Waits for the JVM to exit by itself; returns its exit code, or fails when it still runs after {@code timeout}. */
  int waitFor(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + " still running after " + timeout + "; see " + log);
    }
    return process.exitValue();
  }

  /** The log's lines so far. */
  List<String> lines() throws IOException {
    return Files.readAllLines(log);
  }

  /** Waits until a line of the log contains {@code text}, failing when the process dies or the time is up. */
  void awaitLog(String text, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (lines().stream().anyMatch(l -> l.contains(text))) {
        return;
      }
      if (!process.isAlive()) {
        throw new AssertionError(name + " died before logging '" + text + "'; see " + log + ":\n" + tail());
      }
      Thread.sleep(20);
    }
    throw new AssertionError(name + " did not log '" + text + "' in " + timeout + "; see " + log + ":\n" + tail());
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        kill();
      }
    }
  }

  /**
   * Shuts down (fast) the embedded PostgreSQL still running on {@code dataDir}: a JVM killed -9
   * leaves its server behind, and a test that does not start that JVM again must not leave it.
   */
  static void stopLeftPostgres(Path dataDir) throws Exception {
    Path pidFile = dataDir.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
    java.util.Optional<ProcessHandle> server = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    if (server.isPresent()) {
      new ProcessBuilder("kill", "-INT", Long.toString(pid)).start().waitFor();
      server.get().onExit().get(30, TimeUnit.SECONDS);
    }
  }

  /** Waits until {@code url} answers 200, failing when the process dies or the time is up. */
  void awaitOk(String url, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError(name + " died; see " + log + ":\n" + tail());
      }
      try {
        if (get(url).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError(name + " not ready at " + url + " after " + timeout + "; see " + log + ":\n" + tail());
  }

  String tail() throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  static HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * A port free now, from 10000–14999: below the ephemeral range (32768+), where any process's
   * outgoing connection may take a port the OS just called free and make a listener that binds it
   * seconds later fail (seen: a clustered web's "Address already in use" while a benchmark ran
   * beside the suite), and apart from the fixed ports of the scripts and the tests' Hazelcast
   * ranges (15432+, 18080+, 19000+, 25000–30000).
   */
  static int freePort() throws IOException {
    for (int attempt = 0; attempt < 100; attempt++) {
      int port = java.util.concurrent.ThreadLocalRandom.current().nextInt(10_000, 15_000);
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new java.net.InetSocketAddress("0.0.0.0", port));
        return port;
      } catch (IOException taken) {
        // another one
      }
    }
    throw new IOException("no free port in 10000-14999 after 100 tries");
  }
}
