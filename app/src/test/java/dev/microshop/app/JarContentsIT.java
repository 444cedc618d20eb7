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
 * binaries for Linux x86-64 only in the all-in-one's and the benchmark's jars (the all-in-one's also
 * runs the services' database servers), none in a service's jar nor in the web's (which has no database
 * library either), and sizes that say so (the README lists them); each jar holds its own service's
 * classes and only the contracts ({@code api} packages, from the {@code -api} modules) of the others,
 * which is what a module depending on another service's implementation would break.
 */
class JarContentsIT {

  private static final long MIB = 1024 * 1024;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"app/target/microshop-fat.jar", "bench/target/bench-fat.jar"})
  @DisplayName("the all-in-one's and the benchmark's jars carry PostgreSQL for Linux x86-64 only")
  void linuxBinariesOnly(String jar) throws Exception {
    Path path = ShopProcess.REPO.resolve(jar);
    assertThat(postgresArchives(path)).containsExactly("postgres-linux-x86_64.txz");
    // 46.5-48.5 MiB as built (the all-in-one the larger: every service, and the demo pictures);
    // the other platforms' PostgreSQL binaries would add 61 MiB
    assertThat(Files.size(path)).isLessThan(51 * MIB);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"verticles/inventory/target/inventory-fat.jar", "verticles/customer/target/customer-fat.jar",
      "verticles/order/target/order-fat.jar", "verticles/shipping/target/shipping-fat.jar",
      "verticles/history/target/history-fat.jar"})
  @DisplayName("a service's jar carries no PostgreSQL (it runs against its database server), and is at most 35 MB")
  void noPostgresInAService(String jar) throws Exception {
    Path path = ShopProcess.REPO.resolve(jar);
    assertThat(postgresArchives(path)).isEmpty();
    assertThat(classes(path))
        .noneMatch(n -> n.startsWith("io/zonky/") || n.startsWith("org/apache/commons/compress/"))
        .anyMatch(n -> n.startsWith("org/postgresql/")).anyMatch(n -> n.startsWith("io/vertx/pgclient/"));
    assertThat(Files.size(path)).isLessThanOrEqualTo(35_000_000L);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"verticles/web/target/web-fat.jar"})
  @DisplayName("the web's jar carries no PostgreSQL, no driver, no migrations, no SQL client (the web has no database)")
  void noDatabaseInTheWeb(String jar) throws Exception {
    Path path = ShopProcess.REPO.resolve(jar);
    assertThat(postgresArchives(path)).isEmpty();
    assertThat(classes(path))
        .noneMatch(n -> n.startsWith("io/zonky/") || n.startsWith("org/postgresql/") || n.startsWith("org/flywaydb/")
            || n.startsWith("io/vertx/pgclient/") || n.startsWith("io/vertx/sqlclient/") || n.startsWith("org/apache/commons/compress/"));
    assertThat(Files.size(path)).isLessThan(29 * MIB);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"customer", "inventory", "order", "shipping", "history", "web", "bench"})
  @DisplayName("a service's jar holds its own classes and the other services' contracts only")
  void ownServiceOnly(String module) throws Exception {
    Path jar = ShopProcess.REPO.resolve(module.equals("bench") ? "bench/target/bench-fat.jar"
        : "verticles/" + module + "/target/" + module + "-fat.jar");
    List<String> services = List.of("customer", "inventory", "order", "shipping", "history", "web", "bench");
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      List<String> classes = zip.stream().map(e -> e.getName()).filter(n -> n.startsWith("dev/microshop/") && n.endsWith(".class")).toList();
      assertThat(classes).as("its own classes").anyMatch(n -> n.startsWith("dev/microshop/" + module + "/"));
      assertThat(classes).as("classes of another service that are not its contract")
          .filteredOn(n -> services.stream().anyMatch(other -> !other.equals(module) && n.startsWith("dev/microshop/" + other + "/")))
          .allMatch(n -> n.matches("dev/microshop/[a-z]+/api/[^/]+\\.class"));
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"app/target/microshop-fat.jar", "bench/target/bench-fat.jar", "verticles/web/target/web-fat.jar",
      "verticles/inventory/target/inventory-fat.jar", "verticles/customer/target/customer-fat.jar",
      "verticles/order/target/order-fat.jar", "verticles/shipping/target/shipping-fat.jar",
      "verticles/history/target/history-fat.jar"})
  @DisplayName("no jar carries Prometheus's protobuf format (never asked for: /metrics answers text), and every one its text format")
  void prometheusTextFormatOnly(String jar) throws Exception {
    try (ZipFile zip = new ZipFile(ShopProcess.REPO.resolve(jar).toFile())) {
      assertThat(zip.stream().map(e -> e.getName()))
          .noneMatch(n -> n.startsWith("io/prometheus/metrics/shaded/") || n.startsWith("io/prometheus/metrics/expositionformats/internal/"))
          .contains("io/prometheus/metrics/expositionformats/PrometheusTextFormatWriter.class");
    }
  }

  /** The names of the classes in the jar. */
  private static List<String> classes(Path jar) throws Exception {
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      return zip.stream().map(e -> e.getName()).filter(n -> n.endsWith(".class")).toList();
    }
  }

  /** The names of zonky's PostgreSQL archives in the jar (one per platform it can start on). */
  private static List<String> postgresArchives(Path jar) throws Exception {
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      return zip.stream().map(e -> e.getName()).filter(n -> n.startsWith("postgres-") && n.endsWith(".txz")).sorted().toList();
    }
  }
}
