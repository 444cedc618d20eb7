package dev.microshop.app;

import dev.microshop.common.MicroshopVertx;
import dev.microshop.common.db.EmbeddedPostgresServer;
import dev.microshop.common.testing.TestData;
import dev.microshop.inventory.api.InventoryAddresses;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The all-in-one shop keeps its data across restarts: clean ones, and a JVM killed -9. */
class AllInOneRestartIT {

  private static final String JAR = "app/target/microshop-fat.jar";

  @Test
  @DisplayName("data written before a restart is there after it, also when the JVM was killed -9 and its PostgreSQL orphaned")
  void dataSurvivesRestarts() throws Exception {
    Path data = TestData.freshDataDir("allinone");
    int port = ShopProcess.freePort();
    String product = "http://127.0.0.1:" + port + "/api/products/KEEP-ME-01";

    // 1. in this JVM: the whole shop, one product added, then a clean stop of the shop and its database
    Vertx vertx = MicroshopVertx.localVertx();
    JsonObject config = new JsonObject()
        .put("inventory", TestData.serviceConfig(data))
        .put("customer", TestData.serviceConfig(data))
        .put("order", TestData.serviceConfig(data))
        .put("web", new JsonObject().put("http", new JsonObject().put("port", port))
            .put("auth", new JsonObject().put("dev-secret-file", data.resolveSibling("jwt").toString())));
    await(vertx.deployVerticle(AllInOneVerticle::new, new DeploymentOptions().setConfig(config)));
    await(vertx.eventBus().request(InventoryAddresses.ADD_PRODUCT, new JsonObject()
        .put("sku", "KEEP-ME-01").put("name", "Kept").put("price", "10.01").put("stock", 9)));
    assertThat(ShopProcess.get(product).statusCode()).isEqualTo(200);
    await(vertx.close());
    EmbeddedPostgresServer.stopAll();

    Map<String, String> env = Map.of(
        "MICROSHOP_SHARED_DB_EMBEDDED_DATA_DIR", data.toString(),
        "MICROSHOP_WEB_AUTH_DEV_SECRET_FILE", data.resolveSibling("jwt").toString(),
        "MICROSHOP_WEB_HTTP_PORT", Integer.toString(port));

    // 2. the fat jar on the same data: the product is there
    long postmaster;
    try (ShopProcess shop = ShopProcess.start("allinone-1", JAR, env)) {
      long t0 = System.nanoTime();
      shop.awaitOk("http://127.0.0.1:" + port + "/", Duration.ofSeconds(90));
      System.out.printf("all-in-one: start to first page %d ms (fresh JVM, existing data)%n", (System.nanoTime() - t0) / 1_000_000);
      assertKept(product);
      postmaster = postmasterPid(data);
      assertThat(serviceConnections(data)).as("the services' pool connections: on the Unix socket / in all")
          .satisfies(c -> assertThat(c[1]).isPositive()).satisfies(c -> assertThat(c[0]).isEqualTo(c[1]));

      // 3. kill -9: the JVM dies, its PostgreSQL lives on holding the data directory
      shop.kill();
      assertThat(ProcessHandle.of(postmaster).map(ProcessHandle::isAlive)).contains(true);
    }

    // 4. the next start takes the directory back from the orphan, and nothing is lost
    try (ShopProcess shop = ShopProcess.start("allinone-2", JAR, env)) {
      long t0 = System.nanoTime();
      shop.awaitOk("http://127.0.0.1:" + port + "/health", Duration.ofSeconds(90));
      System.out.printf("all-in-one: restart after kill -9 to healthy %d ms%n", (System.nanoTime() - t0) / 1_000_000);
      assertKept(product);
      assertThat(ProcessHandle.of(postmaster).map(ProcessHandle::isAlive).orElse(false)).isFalse();
      assertThat(postmasterPid(data)).isNotEqualTo(postmaster);
      assertThat(Files.readString(shop.log)).contains("orphaned PostgreSQL");
    }
  }

  private static void assertKept(String url) throws Exception {
    HttpResponse<String> res = ShopProcess.get(url);
    assertThat(res.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(res.body());
    assertThat(body.getString("price")).isEqualTo("10.01");
    assertThat(body.getInteger("available")).isEqualTo(9);
  }

  /**
   * The services' connections to the shop's PostgreSQL (the superuser's over TCP left out): how many
   * come through its Unix socket (client_port -1), and how many in all.
   */
  private static long[] serviceConnections(Path data) throws Exception {
    int pgPort = Integer.parseInt(Files.readAllLines(data.resolve("postmaster.pid")).get(3).trim());
    try (var c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres", "postgres", "");
         var rs = c.createStatement().executeQuery("SELECT count(*) FILTER (WHERE client_port = -1), count(*) FROM pg_stat_activity"
             + " WHERE backend_type = 'client backend' AND usename <> 'postgres'")) {
      rs.next();
      return new long[] {rs.getLong(1), rs.getLong(2)};
    }
  }

  private static long postmasterPid(Path data) throws Exception {
    return Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
