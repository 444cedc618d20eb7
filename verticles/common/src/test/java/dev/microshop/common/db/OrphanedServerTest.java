package dev.microshop.common.db;

import dev.microshop.common.StartRefused;
import dev.microshop.common.testing.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The second trap of the embedded server: a JVM killed -9 leaves its PostgreSQL running. */
class OrphanedServerTest {

  @AfterAll
  static void stop() {
    EmbeddedPostgresServer.stopAll();
  }

  @Test
  @DisplayName("a server whose JVM lives is refused, or joined when shared; once that JVM is killed -9 the orphan is stopped and the data kept")
  void orphan() throws Exception {
    Path dir = TestData.freshDataDir("orphan");
    Process child = startOrphanMaker(dir);
    try {
      long orphanPid = readyPid(child);

      // 1. the child JVM lives: a start of its own on that directory is refused, naming it and that JVM;
      //    a start that shares it on purpose (instances of one service) joins its server, undisturbed
      assertThatThrownBy(() -> EmbeddedPostgresServer.acquire(dir.toString(), 0))
          .isInstanceOf(StartRefused.class)
          .hasMessageStartingWith("the data directory " + dir.toAbsolutePath().normalize()
              + " is in use by another Microshop JVM (pid " + child.pid() + ")");
      EmbeddedPostgresServer joined = EmbeddedPostgresServer.acquire(dir.toString(), 0, true);
      assertThat(joined.owned()).isFalse();
      assertThat(count(joined)).isEqualTo(1);
      EmbeddedPostgresServer.stopAll(); // forgets the joined server, leaves it running

      // 2. kill -9 the JVM: its postgres lives on, holding the data directory
      child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      assertThat(ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive)).contains(true);

      // 3. the next start stops the orphan and starts its own server on the same data
      EmbeddedPostgresServer own = EmbeddedPostgresServer.acquire(dir.toString(), 0);
      assertThat(own.owned()).isTrue();
      assertThat(ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
      long newPid = Long.parseLong(Files.readAllLines(dir.resolve("postmaster.pid")).get(0).trim());
      assertThat(newPid).isNotEqualTo(orphanPid);
      assertThat(count(own)).isEqualTo(1);
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  @DisplayName("a postmaster killed -9 and not reaped yet (a zombie named in postmaster.pid): the next start waits for the reaping, then starts on the same data")
  void zombie() throws Exception {
    Path dir = TestData.freshDataDir("zombie");
    Process zombieParent = null;
    try {
      long postmaster = crashedServer(dir);
      await("the killed postmaster " + postmaster + " ended", () -> ended(postmaster));
      // a killed process whose parent has not reaped it yet stands for the killed postmaster: a
      // parent (sleep) that never reaps, until it ends in 4 s and init takes and reaps its zombie
      zombieParent = new ProcessBuilder("bash", "-c", "sleep 0.1 & echo $!; exec sleep 4").start();
      long zombie = Long.parseLong(new BufferedReader(new InputStreamReader(zombieParent.getInputStream())).readLine().trim());
      await("pid " + zombie + " ended", () -> ended(zombie));
      assertThat(EmbeddedPostgresServer.isZombie(zombie)).as("pid %d is a zombie", zombie).isTrue();
      namedInPidFile(dir, zombie);

      // a start that gives up at once names the zombie and its parent
      Process parent = zombieParent;
      assertThatThrownBy(() -> EmbeddedPostgresServer.awaitReaped(dir, Duration.ofSeconds(1)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("(pid " + zombie + ") was killed but is not reaped after 1 s")
          .hasMessageContaining("its parent (pid " + parent.pid() + ") does not reap orphans");

      // the start waits for the reaping (postgres itself would refuse a zombie's pid), then recovers the data
      long t0 = System.nanoTime();
      EmbeddedPostgresServer own = EmbeddedPostgresServer.acquire(dir.toString(), 0);
      assertThat(EmbeddedPostgresServer.isZombie(zombie)).isFalse();
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThan(Duration.ofSeconds(2));
      assertThat(own.owned()).isTrue();
      assertThat(count(own)).isEqualTo(1);
      assertThat(EmbeddedPostgresServer.serverLog(dir)).content().contains("database system is ready to accept connections");
    } finally {
      if (zombieParent != null) {
        zombieParent.destroyForcibly();
      }
      EmbeddedPostgresServer.stopAll();
    }
  }

  @Test
  @DisplayName("a postmaster.pid whose pid another program has taken since (a reboot): the start removes the stale file, then starts on the same data")
  void pidTakenByAnotherProgram() throws Exception {
    Path dir = TestData.freshDataDir("reused-pid");
    Process other = null;
    try {
      long postmaster = crashedServer(dir);
      await("the killed postmaster " + postmaster + " reaped", () -> !Files.exists(proc(postmaster)));
      // the file as a reboot leaves it, its pid now another program's
      other = new ProcessBuilder("sleep", "60").start();
      namedInPidFile(dir, other.pid());

      EmbeddedPostgresServer own = EmbeddedPostgresServer.acquire(dir.toString(), 0);
      assertThat(own.owned()).isTrue();
      assertThat(count(own)).isEqualTo(1);
      assertThat(other.isAlive()).as("the other program is left alone").isTrue();
    } finally {
      if (other != null) {
        other.destroyForcibly();
      }
      EmbeddedPostgresServer.stopAll();
    }
  }

  @Test
  @DisplayName("a socket lock file in the data directory left by a postmaster killed -9, its pid another program's since: the"
      + " server starts again on the same port, its socket in the data directory and none in /tmp")
  void staleSocketLockFile() throws Exception {
    Path dir = TestData.freshDataDir("socket-lock").toAbsolutePath().normalize();
    Process other = null;
    try {
      long postmaster = crashedServer(dir);
      await("the killed postmaster " + postmaster + " reaped", () -> !Files.exists(proc(postmaster)));
      int port = Integer.parseInt(Files.readAllLines(dir.resolve("postmaster.pid")).get(3).trim());
      Path lock = dir.resolve(".s.PGSQL." + port + ".lock");
      assertThat(lock).as("the socket's lock file the killed server left").exists();
      // its pid alive again, another program's (postgres refuses to start while such a file names a live pid)
      other = new ProcessBuilder("sleep", "60").start();
      List<String> lines = new ArrayList<>(Files.readAllLines(lock));
      lines.set(0, Long.toString(other.pid()));
      Files.write(lock, lines);

      EmbeddedPostgresServer own = EmbeddedPostgresServer.acquire(dir.toString(), port);
      assertThat(own.owned()).isTrue();
      assertThat(own.port()).isEqualTo(port);
      assertThat(own.socketDirectory()).contains(dir);
      assertThat(count(own)).isEqualTo(1);
      assertThat(Path.of("/tmp", ".s.PGSQL." + port)).doesNotExist();
      assertThat(other.isAlive()).as("the other program is left alone").isTrue();
    } finally {
      if (other != null) {
        other.destroyForcibly();
      }
      EmbeddedPostgresServer.stopAll();
    }
  }

  private static Process startOrphanMaker(Path dir) throws Exception {
    return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), OrphanMaker.class.getName(), dir.toString())
        .redirectErrorStream(true).start();
  }

  /** The postmaster's pid that the child JVM prints once its server runs (its log shown if it ends first). */
  private static long readyPid(Process child) throws Exception {
    BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()));
    String line;
    StringBuilder log = new StringBuilder();
    while ((line = out.readLine()) != null && !line.startsWith("READY ")) {
      log.append(line).append('\n');
    }
    assertThat(line).as("child JVM started its server; its output:%n%s", log).isNotNull();
    return Long.parseLong(line.substring(6).trim());
  }

  /**
   * OrphanMaker's server on {@code dir}, then its JVM and its postmaster killed -9, as
   * scripts/chaos.sh does to a database server: the postmaster's pid.
   */
  private static long crashedServer(Path dir) throws Exception {
    Process child = startOrphanMaker(dir);
    try {
      long postmaster = readyPid(child);
      child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      ProcessHandle.of(postmaster).ifPresent(ProcessHandle::destroyForcibly);
      return postmaster;
    } finally {
      child.destroyForcibly();
    }
  }

  /** {@code postmaster.pid} made to name {@code pid}, its other lines (port, shared memory key) kept. */
  private static void namedInPidFile(Path dir, long pid) throws Exception {
    List<String> pidFile = new ArrayList<>(Files.readAllLines(dir.resolve("postmaster.pid")));
    pidFile.set(0, Long.toString(pid));
    Files.write(dir.resolve("postmaster.pid"), pidFile);
  }

  private static Path proc(long pid) {
    return Path.of("/proc", Long.toString(pid));
  }

  /** The process has ended: reaped, or a zombie. */
  private static boolean ended(long pid) {
    return !Files.exists(proc(pid)) || EmbeddedPostgresServer.isZombie(pid);
  }

  private static void await(String what, BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as("%s within 30 s", what).isNegative();
      Thread.sleep(20);
    }
  }

  private static long count(EmbeddedPostgresServer server) throws Exception {
    String password = server.ensureServiceDatabase("alpha", "alpha");
    try (var c = DriverManager.getConnection("jdbc:postgresql://localhost:" + server.port() + "/alpha", "alpha", password);
         var s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT count(*) FROM survivor")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
