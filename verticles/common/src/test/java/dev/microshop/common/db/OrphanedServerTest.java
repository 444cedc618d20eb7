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
import java.util.concurrent.TimeUnit;

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
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), OrphanMaker.class.getName(), dir.toString())
        .redirectErrorStream(true).start();
    long orphanPid;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
      String line;
      StringBuilder log = new StringBuilder();
      while ((line = out.readLine()) != null && !line.startsWith("READY ")) {
        log.append(line).append('\n'); // the child's log, shown if it ends without READY
      }
      assertThat(line).as("child JVM started its server; its output:%n%s", log).isNotNull();
      orphanPid = Long.parseLong(line.substring(6).trim());

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
