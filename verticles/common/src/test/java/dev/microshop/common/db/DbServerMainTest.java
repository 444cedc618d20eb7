package dev.microshop.common.db;

import dev.microshop.common.testing.Await;
import dev.microshop.common.testing.TestData;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A service's database server as a process of its own ({@link DbServerMain}), run here in a child
 * JVM as {@code scripts/cluster.sh} runs it, and a service instance that reaches it with
 * {@code db.embedded=false} and {@code db.password-file}.
 */
class DbServerMainTest {

  private final List<Process> children = new ArrayList<>();
  private Vertx vertx;

  @AfterEach
  void stop() throws Exception {
    if (vertx != null) {
      await(vertx.close());
    }
    for (Process p : children) {
      // SIGTERM first: a database server killed -9 would leave its PostgreSQL running
      p.toHandle().destroy();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  @DisplayName("the database server makes the service's role and database; an instance with db.password-file uses them;"
      + " the instance's stop leaves the server running; SIGTERM stops PostgreSQL and the process")
  void serverApart() throws Exception {
    Path dir = TestData.freshDataDir("db-server");
    int port = freePort();
    Child server = startAlpha(dir, port);
    String ready = server.awaitLine("database server of alpha ready");
    assertThat(ready).contains("localhost:" + port);
    Path passwordFile = Path.of(dir + "-microshop-secrets", "alpha.password");
    assertThat(Files.getPosixFilePermissions(passwordFile)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    String password = Files.readString(passwordFile).trim();
    long postmaster = Long.parseLong(Files.readAllLines(dir.resolve("postmaster.pid")).get(0).trim());

    vertx = Vertx.vertx();
    String deployment = await(vertx.deployVerticle(ExternalDatabaseTest.Alpha::new,
        new DeploymentOptions().setConfig(instanceConfig(port, passwordFile.toString()))));
    Await.request(vertx, "alpha.add", new JsonObject().put("name", "first"));
    await(vertx.undeploy(deployment)); // a graceful stop of the instance
    assertThat(ProcessHandle.of(postmaster).map(ProcessHandle::isAlive)).as("PostgreSQL after the instance stopped").contains(true);
    await(vertx.deployVerticle(ExternalDatabaseTest.Alpha::new,
        new DeploymentOptions().setConfig(instanceConfig(port, passwordFile.toString()))));
    Await.request(vertx, "alpha.add", new JsonObject().put("name", "second"));

    server.process.toHandle().destroy(); // SIGTERM (Process.destroy would also close our end of its output)
    assertThat(server.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(server.process.exitValue()).as("exit status").isEqualTo(143);
    assertThat(server.awaitLine("database server of alpha stopped")).isNotNull();
    assertThat(ProcessHandle.of(postmaster).map(h -> h.onExit().thenApply(ProcessHandle::isAlive))
        .map(f -> f.completeOnTimeout(true, 30, TimeUnit.SECONDS).join()).orElse(false))
        .as("PostgreSQL after SIGTERM (output: %s)", server.output()).isFalse();
    assertThat(dir.resolve("postmaster.pid")).as("a clean shutdown removes postmaster.pid").doesNotExist();
    assertThat(server.output()).doesNotContain(password);
  }

  @Test
  @DisplayName("an instance on the server's machine with db.socket-directory (as cluster.sh sets it) pools its connections through"
      + " the server's Unix socket on epoll; over TCP when the directory has no socket, or on NIO")
  void socketDirectory() throws Exception {
    Path dir = TestData.freshDataDir("db-server-socket");
    int port = freePort();
    startAlpha(dir, port).awaitLine("database server of alpha ready");
    String passwordFile = Path.of(dir + "-microshop-secrets", "alpha.password").toString();
    JsonObject viaSocket = instanceConfig(port, passwordFile);
    viaSocket.getJsonObject("db").put("socket-directory", dir.toAbsolutePath().toString());
    JsonObject noSocketThere = instanceConfig(port, passwordFile);
    noSocketThere.getJsonObject("db").put("socket-directory", dir.toAbsolutePath().resolveSibling("no-server-here").toString());

    assertThat(alphaConnections(new io.vertx.core.VertxOptions().setPreferNativeTransport(true), viaSocket, port))
        .as("epoll, the socket there").isEqualTo("socket");
    assertThat(alphaConnections(new io.vertx.core.VertxOptions().setPreferNativeTransport(true), noSocketThere, port))
        .as("epoll, no socket in the directory").isEqualTo("tcp");
    assertThat(alphaConnections(new io.vertx.core.VertxOptions(), viaSocket, port)).as("NIO").isEqualTo("tcp");
  }

  /**
   * How an instance of {@code config} on a Vert.x of {@code options} reaches the server: "socket" or "tcp",
   * as {@code pg_stat_activity} shows its pool's connections (client_port -1 on a Unix socket).
   */
  private static String alphaConnections(io.vertx.core.VertxOptions options, JsonObject config, int port) throws Exception {
    Vertx instance = Vertx.vertx(options);
    try (Connection su = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "");
         java.sql.Statement s = su.createStatement()) {
      String kinds = "SELECT string_agg(DISTINCT CASE WHEN client_port = -1 THEN 'socket' ELSE 'tcp' END, ',')"
          + " FROM pg_stat_activity WHERE usename = 'alpha'";
      long deadline = System.currentTimeMillis() + 20_000;
      while (true) { // the connections of the previous instance gone
        try (java.sql.ResultSet rs = s.executeQuery(kinds)) {
          rs.next();
          if (rs.getString(1) == null) {
            break;
          }
        }
        assertThat(System.currentTimeMillis()).as("the previous instance's connections closed").isLessThan(deadline);
        Thread.sleep(100);
      }
      await(instance.deployVerticle(ExternalDatabaseTest.Alpha::new, new DeploymentOptions().setConfig(config)));
      Await.request(instance, "alpha.add", new JsonObject().put("name", "via " + options.getPreferNativeTransport()));
      try (java.sql.ResultSet rs = s.executeQuery(kinds)) {
        rs.next();
        return rs.getString(1);
      }
    } finally {
      await(instance.close());
    }
  }

  @Test
  @DisplayName("a database host (--listen, --allow) admits from the allowed network only the service's role, to its own"
      + " database, with its password; the superuser and other networks are refused there; loopback trust stays")
  void databaseHost() throws Exception {
    // 127.0.0.2 stands for the host's cluster address; a client bound to 127.0.0.2 for an allowed
    // machine, to 127.0.0.3 for one outside the allowed network (the whole of 127/8 is on lo)
    Path dir = TestData.freshDataDir("db-host");
    int port = freePort();
    Child server = startAlpha(dir, port, "--listen", "127.0.0.2", "--allow", "127.0.0.2/32");
    assertThat(server.awaitLine("database server of alpha ready"))
        .contains("localhost:" + port + " and 127.0.0.2:" + port + " (role alpha from 127.0.0.2/32, SCRAM)");
    String password = Files.readString(Path.of(dir + "-microshop-secrets", "alpha.password")).trim();

    try (Connection c = connect(port, "127.0.0.2", "alpha", "alpha", password)) {
      assertThat(c.isValid(5)).isTrue();
    }
    assertThatThrownBy(() -> connect(port, "127.0.0.2", "alpha", "alpha", "not-the-password").close())
        .hasMessageContaining("password authentication failed");
    assertThatThrownBy(() -> connect(port, "127.0.0.2", "postgres", "postgres", "").close())
        .as("the superuser from the cluster's network").hasMessageContaining("no pg_hba.conf entry");
    assertThatThrownBy(() -> connect(port, "127.0.0.2", "postgres", "alpha", password).close())
        .as("the service's role to another database").hasMessageContaining("no pg_hba.conf entry");
    assertThatThrownBy(() -> connect(port, "127.0.0.3", "alpha", "alpha", password).close())
        .as("a machine outside the allowed network").hasMessageContaining("no pg_hba.conf entry");
    try (Connection c = connect(port, "127.0.0.1", "postgres", "postgres", "")) {
      assertThat(c.isValid(5)).as("the superuser over loopback").isTrue();
    }
    assertThat(server.output()).doesNotContain(password);
  }

  @Test
  @DisplayName("--listen without --allow, or an --allow that is no CIDR, exits with status 2 and says so")
  void databaseHostArguments() throws Exception {
    Child alone = start("--service", "alpha", "--data-dir", "x", "--port", "5432", "--listen", "10.0.0.1");
    assertThat(alone.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(alone.process.exitValue()).isEqualTo(2);
    assertThat(alone.awaitLine("--listen")).isEqualTo("--listen and --allow go together");
    Child notCidr = start("--service", "alpha", "--data-dir", "x", "--port", "5432", "--listen", "10.0.0.1",
        "--allow", "10.0.0.0/24 trust");
    assertThat(notCidr.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(notCidr.process.exitValue()).isEqualTo(2);
    assertThat(notCidr.awaitLine("CIDR")).contains("not a CIDR").contains("10.0.0.0/24 trust");
  }

  /** A JDBC connection to 127.0.0.2:port, from the local address {@code from} (pgjdbc's localSocketAddress). */
  private static Connection connect(int port, String from, String database, String user, String password) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", user);
    props.setProperty("password", password);
    props.setProperty("localSocketAddress", from);
    props.setProperty("connectTimeout", "10");
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.2:" + port + "/" + database, props);
  }

  @Test
  @DisplayName("when its PostgreSQL dies under it, the database server exits with status 1 and says why")
  void postgresDies() throws Exception {
    Path dir = TestData.freshDataDir("db-server-dies");
    Child server = startAlpha(dir, freePort());
    server.awaitLine("database server of alpha ready");
    long postmaster = Long.parseLong(Files.readAllLines(dir.resolve("postmaster.pid")).get(0).trim());
    ProcessHandle.of(postmaster).orElseThrow().destroyForcibly();
    assertThat(server.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(server.process.exitValue()).isEqualTo(1);
    assertThat(server.awaitLine("ended on its own")).contains("pid " + postmaster);
  }

  @Test
  @DisplayName("a wrong command line exits with status 2 and one line on what is wrong")
  void badArguments() throws Exception {
    Child server = start("--service", "Alpha!", "--data-dir", "x", "--port", "5432");
    assertThat(server.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(server.process.exitValue()).isEqualTo(2);
    assertThat(server.awaitLine("--service")).isEqualTo("--service must name a service in lower case, not Alpha!");
  }

  @Test
  @DisplayName("a db.password-file that cannot be read fails the instance's start naming the file")
  void unreadablePasswordFile() {
    vertx = Vertx.vertx();
    assertThatThrownBy(() -> await(vertx.deployVerticle(ExternalDatabaseTest.Alpha::new,
        new DeploymentOptions().setConfig(instanceConfig(5432, "/nonexistent/alpha.password")))))
        .hasMessageContaining("db.password-file /nonexistent/alpha.password cannot be read");
  }

  private static JsonObject instanceConfig(int port, String passwordFile) {
    return new JsonObject().put("db", new JsonObject()
        .put("embedded", false)
        .put("host", "127.0.0.1")
        .put("port", port)
        .put("database", "alpha")
        .put("user", "alpha")
        .put("password", "")
        .put("password-file", passwordFile));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** A child JVM running {@link DbServerMain}, its output collected line by line. */
  private record Child(Process process, List<String> lines, CompletableFuture<Void> ended) {

    String awaitLine(String fragment) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (System.nanoTime() < deadline) {
        boolean over = ended.isDone(); // before reading the lines: every line is in once it is done
        synchronized (lines) {
          for (String line : lines) {
            if (line.contains(fragment)) {
              return line;
            }
          }
        }
        if (over) {
          break;
        }
        Thread.sleep(50);
      }
      throw new AssertionError("no line with \"" + fragment + "\" in the database server's output:\n" + output());
    }

    String output() {
      synchronized (lines) {
        return String.join("\n", lines);
      }
    }
  }

  /** The database server of the service {@code alpha} on {@code dir} and {@code port}, with {@code more} arguments. */
  private Child startAlpha(Path dir, int port, String... more) throws IOException {
    List<String> args = new ArrayList<>(List.of("--service", "alpha", "--data-dir", dir.toString(), "--port", Integer.toString(port)));
    args.addAll(List.of(more));
    return start(args.toArray(String[]::new));
  }

  private Child start(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), DbServerMain.class.getName()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    children.add(p);
    List<String> lines = new ArrayList<>();
    CompletableFuture<Void> ended = CompletableFuture.runAsync(() -> {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
        for (String line; (line = out.readLine()) != null; ) {
          synchronized (lines) {
            lines.add(line);
          }
        }
      } catch (IOException e) {
        // the process ended
      }
    });
    return new Child(p, lines, ended);
  }
}
