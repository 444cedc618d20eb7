package dev.microshop.app;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipFile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fat jars as built (the integration-test phase runs after every module's package): PostgreSQL's
 * binaries for Linux x86-64 only in the jars of the services, the all-in-one and the benchmark,
 * none in the web's, and sizes that say so (the README lists them).
 */
class JarContentsIT {

  private static final long MIB = 1024 * 1024;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"app/target/microshop-fat.jar", "bench/target/bench-fat.jar",
      "verticles/inventory/target/inventory-fat.jar", "verticles/customer/target/customer-fat.jar",
      "verticles/order/target/order-fat.jar", "verticles/shipping/target/shipping-fat.jar",
      "verticles/history/target/history-fat.jar"})
  @DisplayName("a jar with a database carries PostgreSQL for Linux x86-64 only")
  void linuxBinariesOnly(String jar) throws Exception {
    Path path = ShopProcess.REPO.resolve(jar);
    assertThat(postgresArchives(path)).containsExactly("postgres-linux-x86_64.txz");
    assertThat(Files.size(path)).isLessThan(50 * MIB);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"verticles/web/target/web-fat.jar"})
  @DisplayName("the web's jar carries no PostgreSQL (the web has no database)")
  void noBinariesInTheWeb(String jar) throws Exception {
    Path path = ShopProcess.REPO.resolve(jar);
    assertThat(postgresArchives(path)).isEmpty();
    assertThat(Files.size(path)).isLessThan(36 * MIB);
  }

  /** The names of zonky's PostgreSQL archives in the jar (one per platform it can start on). */
  private static List<String> postgresArchives(Path jar) throws Exception {
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      return zip.stream().map(e -> e.getName()).filter(n -> n.startsWith("postgres-") && n.endsWith(".txz")).sorted().toList();
    }
  }
}
