package dev.microshop.app;

import dev.microshop.common.testing.TestData;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two JVMs from the service fat jars, clustered over Hazelcast on loopback: the web in one, the
 * inventory in the other, on its database server (a third JVM, as scripts/cluster.sh runs it).
 */
class ClusterIT {

  @Test
  @DisplayName("the catalog is answered across the cluster; killed, the inventory JVM leaves the web's catalog reading and gives a JSON 503/504 within seconds, never a hang, for what only it can answer")
  void catalogAcrossTheCluster() throws Exception {
    int hzPort = ThreadLocalRandom.current().nextInt(20_000, 25_000); // below the ephemeral range (32768+)
    int webPort = ShopProcess.freePort();
    Map<String, String> cluster = Map.of(
        "MICROSHOP_CLUSTER_NAME", "it-" + UUID.randomUUID(),
        "MICROSHOP_CLUSTER_PORT", Integer.toString(hzPort),
        "MICROSHOP_CLUSTER_MEMBERS", "127.0.0.1");
    Path dataDir = TestData.freshDataDir("cluster");
    int dbPort = ShopProcess.freePort();
    Map<String, String> inventoryEnv = new java.util.HashMap<>(cluster);
    inventoryEnv.putAll(ShopProcess.databaseOf("inventory", dataDir, dbPort));
    Map<String, String> webEnv = new java.util.HashMap<>(cluster);
    webEnv.put("MICROSHOP_WEB_HTTP_PORT", Integer.toString(webPort));
    webEnv.put("MICROSHOP_WEB_SERVICES", "inventory"); // the only service this cluster runs
    webEnv.put("MICROSHOP_WEB_AUTH_DEV_SECRET_FILE", dataDir + "-jwt");
    String base = "http://127.0.0.1:" + webPort;

    long t0 = System.nanoTime();
    try (ShopProcess db = ShopProcess.databaseServer("inventory", dataDir, dbPort);
         ShopProcess inventory = ShopProcess.start("inventory", "verticles/inventory/target/inventory-fat.jar", inventoryEnv, "-cluster");
         ShopProcess web = ShopProcess.start("web", "verticles/web/target/web-fat.jar", webEnv, "-cluster")) {
      web.awaitOk(base + "/health", Duration.ofSeconds(120));
      System.out.printf("cluster: two JVMs started to healthy in %d ms%n", (System.nanoTime() - t0) / 1_000_000);

      HttpResponse<String> list = ShopProcess.get(base + "/api/products");
      assertThat(list.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(list.body()).getJsonArray("products").size()).isGreaterThanOrEqualTo(18);
      assertThat(new JsonObject(ShopProcess.get(base + "/api/products/MUG-CLASSIC").body()).getString("price"))
          .isEqualTo("12.90");
      assertThat(web.pid()).isNotEqualTo(inventory.pid());

      awaitCatalogLoaded(base);
      inventory.kill();
      long killed = System.nanoTime();
      // the web's catalog (a read model in its memory) still reads
      assertThat(ShopProcess.get(base + "/api/products").body()).isEqualTo(list.body());
      // a sku it doesn't know is asked of the inventory: not found while it lives, then away
      HttpResponse<String> answer;
      do {
        long sent = System.nanoTime();
        answer = ShopProcess.get(base + "/api/products/NOT-IN-THE-CATALOG");
        long tookMs = (System.nanoTime() - sent) / 1_000_000;
        assertThat(tookMs).as("one request after the kill: at most two timeouts and the retry delay").isLessThan(8_000);
      } while (answer.statusCode() == 404 && (System.nanoTime() - killed) < 15_000_000_000L);
      long sinceKillMs = (System.nanoTime() - killed) / 1_000_000;
      System.out.printf("cluster: inventory killed -9, web answered %d after %d ms: %s%n",
          answer.statusCode(), sinceKillMs, answer.body());
      assertThat(answer.statusCode()).isIn(503, 504);
      assertThat(new JsonObject(answer.body()).getString("error")).isIn("unavailable", "timeout");
      assertThat(sinceKillMs).isLessThan(10_000);
      assertThat(web.alive()).isTrue();
    }
  }

  /** Until the web's catalog read model has its snapshot: its gauge on {@code /metrics} counts the products. */
  private static void awaitCatalogLoaded(String base) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      boolean loaded = ShopProcess.get(base + "/metrics").body().lines()
          .anyMatch(l -> l.startsWith("microshop_catalog_products ") && !l.endsWith(" 0.0"));
      if (loaded) {
        return;
      }
      assertThat(System.nanoTime()).as("the web's catalog loaded within 10 s").isLessThan(deadline);
      Thread.sleep(50);
    }
  }
}
