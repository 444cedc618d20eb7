package dev.microshop.app;

import dev.microshop.common.testing.TestData;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Event-bus TLS between JVMs: two nodes with the cluster's certificate talk; a node without TLS
 * (in the same Hazelcast cluster) gets no answer from them.
 */
class ClusterTlsIT {

  @Test
  @DisplayName("with event-bus TLS (mutual, trustAll off) the catalog crosses the cluster; a plain node is refused")
  void tls() throws Exception {
    Path dir = TestData.freshDataDir("tls").getParent();
    Path keystore = dir.resolve("cluster.p12");
    keytool("-genkeypair", "-alias", "node", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
        "-dname", "CN=microshop-cluster", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
        "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "cluster-secret", "-keypass", "cluster-secret");

    int hzPort = ThreadLocalRandom.current().nextInt(12_000, 16_000); // below the ephemeral range (32768+)
    Map<String, String> cluster = Map.of(
        "MICROSHOP_CLUSTER_NAME", "tls-" + UUID.randomUUID(),
        "MICROSHOP_CLUSTER_PORT", Integer.toString(hzPort),
        "MICROSHOP_WEB_SERVICES", "inventory",
        "MICROSHOP_WEB_AUTH_DEV_SECRET_FILE", dir.resolve("jwt").toString(),
        "MICROSHOP_INVENTORY_DB_EMBEDDED_DATA_DIR", dir.resolve("pg").toString());
    Map<String, String> tls = new HashMap<>(cluster);
    tls.put("MICROSHOP_CLUSTER_TLS_KEYSTORE", keystore.toString());
    tls.put("MICROSHOP_CLUSTER_TLS_KEYSTORE_PASSWORD", "cluster-secret");
    int securePort = ShopProcess.freePort();
    int plainPort = ShopProcess.freePort();
    Map<String, String> secureWeb = new HashMap<>(tls);
    secureWeb.put("MICROSHOP_WEB_HTTP_PORT", Integer.toString(securePort));
    Map<String, String> plainWeb = new HashMap<>(cluster);
    plainWeb.put("MICROSHOP_WEB_HTTP_PORT", Integer.toString(plainPort));

    try (ShopProcess inventory = ShopProcess.start("tls-inventory", "verticles/inventory/target/inventory-fat.jar", tls, "-cluster");
         ShopProcess web = ShopProcess.start("tls-web", "verticles/web/target/web-fat.jar", secureWeb, "-cluster")) {
      web.awaitOk("http://127.0.0.1:" + securePort + "/health", Duration.ofSeconds(120));
      HttpResponse<String> catalog = ShopProcess.get("http://127.0.0.1:" + securePort + "/api/products/MUG-CLASSIC");
      assertThat(catalog.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(catalog.body()).getString("price")).isEqualTo("12.90");

      try (ShopProcess plain = ShopProcess.start("tls-plain-web", "verticles/web/target/web-fat.jar", plainWeb, "-cluster")) {
        plain.awaitOk("http://127.0.0.1:" + plainPort + "/api/openapi.yaml", Duration.ofSeconds(120));
        HttpResponse<String> refused = ShopProcess.get("http://127.0.0.1:" + plainPort + "/api/products/MUG-CLASSIC");
        assertThat(refused.statusCode()).as(refused.body()).isIn(503, 504);
        assertThat(ShopProcess.get("http://127.0.0.1:" + plainPort + "/health").statusCode()).isEqualTo(503);
      }
      assertThat(ShopProcess.get("http://127.0.0.1:" + securePort + "/api/products/MUG-CLASSIC").statusCode()).isEqualTo(200);
    }
  }

  private static void keytool(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }
}
