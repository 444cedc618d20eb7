package dev.microshop.app;

import dev.microshop.common.testing.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ctrl-C or SIGTERM at any point of the all-in-one's start ends it with one line, and a clean stop
 * of a ready shop logs no warning and no error: what an operator reads after a stop is true and short.
 */
class StopQuietlyIT {

  private static final String JAR = "app/target/microshop-fat.jar";
  private static final String STOPPED = "Microshop stopped during start-up";
  /** How long a stopping JVM may take to exit (its embedded PostgreSQL stops first). */
  private static final Duration EXIT = Duration.ofSeconds(30);

  private static Path data;
  private static Map<String, String> env;
  private static int port;

  @BeforeAll
  static void dataDir() throws Exception {
    data = TestData.freshDataDir("stop-quietly");
    port = ShopProcess.freePort();
    env = Map.of(
        "MICROSHOP_SHARED_DB_EMBEDDED_DATA_DIR", data.toString(),
        "MICROSHOP_WEB_HTTP_PORT", Integer.toString(port),
        // a configured key: the development-key warning is not what these tests look for
        "MICROSHOP_WEB_AUTH_JWT_SECRET", "stop-quietly-it-secret-of-enough-length-0123456789");
  }

  @AfterAll
  static void noPostgresLeft() throws Exception {
    ShopProcess.stopLeftPostgres(data); // only when a test failed: each one asserts its server stopped
  }

  @Test
  @DisplayName("Ctrl-C as soon as the log shows its first line ends the start with one line, no error, and the embedded PostgreSQL stopped")
  void interruptedAtFirstLine() throws Exception {
    try (ShopProcess shop = ShopProcess.start("stop-at-first-line", JAR, env)) {
      shop.awaitLog(" ", Duration.ofSeconds(60));
      assertStoppedDuringStartup(shop, "INT", 130);
    }
  }

  @Test
  @DisplayName("SIGTERM in the middle of the deployment (a service migrated, the others starting) ends the start with one line, no error, and the embedded PostgreSQL stopped")
  void terminatedMidDeployment() throws Exception {
    try (ShopProcess shop = ShopProcess.start("stop-mid-deployment", JAR, env)) {
      shop.awaitLog("schema at version", Duration.ofSeconds(60));
      assertStoppedDuringStartup(shop, "TERM", 143);
    }
  }

  @Test
  @DisplayName("SIGTERM to a ready shop stops it with no WARN and no ERROR logged after the signal")
  void cleanStopIsQuiet() throws Exception {
    try (ShopProcess shop = ShopProcess.start("stop-clean", JAR, env)) {
      shop.awaitOk("http://127.0.0.1:" + port + "/health", Duration.ofSeconds(90));
      int before = shop.lines().size();

      shop.signal("TERM");
      shop.waitFor(EXIT);

      List<String> after = afterSignal(shop, before);
      assertThat(after).as("lines after the SIGTERM").noneMatch(l -> l.contains(" WARN ") || l.contains(" ERROR "))
          .noneMatch(StopQuietlyIT::stackTrace).noneMatch(l -> l.contains(STOPPED));
      assertThat(data.resolve("postmaster.pid")).as("the embedded PostgreSQL stopped").doesNotExist();
    }
  }

  private static void assertStoppedDuringStartup(ShopProcess shop, String signal, int exitCode) throws Exception {
    int before = shop.lines().size();
    shop.signal(signal);

    assertThat(shop.waitFor(EXIT)).as("exit code").isEqualTo(exitCode);
    List<String> after = afterSignal(shop, before);
    assertThat(after).as("lines after SIG" + signal).noneMatch(l -> l.contains(" ERROR "))
        .noneMatch(StopQuietlyIT::stackTrace).filteredOn(l -> l.contains(STOPPED + " (SIG" + signal + ")")).hasSize(1);
    // lines of the start may still land between reading the log and the signal's arrival (the
    // start goes on meanwhile); after the stop's own line, at most one already on its way
    List<String> afterStopLine = after.subList(after.indexOf(after.stream().filter(l -> l.contains(STOPPED)).findFirst().orElseThrow()) + 1, after.size());
    assertThat(afterStopLine).as("lines after the stop's own line").hasSizeLessThanOrEqualTo(1);
    assertThat(data.resolve("postmaster.pid")).as("the embedded PostgreSQL stopped").doesNotExist();
  }

  private static List<String> afterSignal(ShopProcess shop, int before) throws Exception {
    List<String> all = shop.lines();
    List<String> after = all.subList(before, all.size());
    System.out.printf("%s, after the signal:%n  %s%n", shop.log.getFileName(), String.join("\n  ", after));
    return after;
  }

  private static boolean stackTrace(String line) {
    return line.startsWith("\tat ") || line.contains("Exception") || line.startsWith("Caused by");
  }
}
