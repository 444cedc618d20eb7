package dev.microshop.app;

import dev.microshop.common.cluster.ClusterConfig;
import dev.microshop.common.cluster.ClusterTls;
import dev.microshop.common.cluster.ShopClusterManager;
import dev.microshop.common.testing.Await;
import dev.microshop.common.testing.TestData;
import dev.microshop.inventory.api.InventoryAddresses;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Event-bus TLS between JVMs, mutual and trusting only the cluster's certificate: two nodes with
 * the cluster's certificate talk; a node without TLS, and a node whose certificate the cluster does
 * not trust (in the same Hazelcast cluster), get no answer from them and receive nothing from them.
 */
class ClusterTlsIT {

  private static final String SKU = "MUG-CLASSIC";
  private static Path dir;
  private static Path keystore;
  private static Map<String, String> cluster;
  private static Map<String, String> tls;
  private static int securePort;
  private static ShopProcess inventory;
  private static ShopProcess web;
  private static ShopProcess db;

  @BeforeAll
  static void startSecureNodes() throws Exception {
    dir = TestData.freshDataDir("tls").getParent();
    keystore = dir.resolve("cluster.p12");
    keytool("-genkeypair", "-alias", "node", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
        "-dname", "CN=microshop-cluster", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
        "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "cluster-secret", "-keypass", "cluster-secret");

    int hzPort = ThreadLocalRandom.current().nextInt(12_000, 16_000); // below the ephemeral range (32768+)
    cluster = Map.of(
        "MICROSHOP_CLUSTER_NAME", "tls-" + UUID.randomUUID(),
        "MICROSHOP_CLUSTER_PORT", Integer.toString(hzPort),
        "MICROSHOP_WEB_SERVICES", "inventory",
        "MICROSHOP_WEB_AUTH_DEV_SECRET_FILE", dir.resolve("jwt").toString());
    int dbPort = ShopProcess.freePort();
    db = ShopProcess.databaseServer("inventory", dir.resolve("pg"), dbPort);
    tls = new HashMap<>(cluster);
    tls.putAll(ShopProcess.databaseOf("inventory", dir.resolve("pg"), dbPort));
    tls.put("MICROSHOP_CLUSTER_TLS_KEYSTORE", keystore.toString());
    tls.put("MICROSHOP_CLUSTER_TLS_KEYSTORE_PASSWORD", "cluster-secret");
    securePort = ShopProcess.freePort();
    Map<String, String> secureWeb = new HashMap<>(tls);
    secureWeb.put("MICROSHOP_WEB_HTTP_PORT", Integer.toString(securePort));

    inventory = ShopProcess.start("tls-inventory", "verticles/inventory/target/inventory-fat.jar", tls, "-cluster");
    web = ShopProcess.start("tls-web", "verticles/web/target/web-fat.jar", secureWeb, "-cluster");
    web.awaitOk("http://127.0.0.1:" + securePort + "/health", Duration.ofSeconds(120));
  }

  @AfterAll
  static void stopSecureNodes() throws Exception {
    if (web != null) {
      web.close();
    }
    if (inventory != null) {
      inventory.close();
    }
    if (db != null) {
      db.close();
    }
  }

  @Test
  @DisplayName("with event-bus TLS (mutual, trustAll off) the catalog crosses the cluster; a plain node is refused")
  void plainNodeRefused() throws Exception {
    HttpResponse<String> catalog = ShopProcess.get("http://127.0.0.1:" + securePort + "/api/products/" + SKU);
    assertThat(catalog.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(catalog.body()).getString("price")).isEqualTo("12.90");

    int plainPort = ShopProcess.freePort();
    Map<String, String> plainWeb = new HashMap<>(cluster);
    plainWeb.put("MICROSHOP_WEB_HTTP_PORT", Integer.toString(plainPort));
    try (ShopProcess plain = ShopProcess.start("tls-plain-web", "verticles/web/target/web-fat.jar", plainWeb, "-cluster")) {
      plain.awaitOk("http://127.0.0.1:" + plainPort + "/api/openapi.yaml", Duration.ofSeconds(120));
      HttpResponse<String> refused = ShopProcess.get("http://127.0.0.1:" + plainPort + "/api/products/" + SKU);
      assertThat(refused.statusCode()).as(refused.body()).isIn(503, 504);
      assertThat(ShopProcess.get("http://127.0.0.1:" + plainPort + "/health").statusCode()).isEqualTo(503);
    }
    assertThat(ShopProcess.get("http://127.0.0.1:" + securePort + "/api/products/" + SKU).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a node whose certificate the cluster does not trust is refused both ways: its commands never reach a service, and nothing is delivered to it")
  void foreignCertificateRefused() throws Exception {
    // a node with a key of its own, self-signed under the cluster's very name, that trusts the
    // cluster's certificate: only the cluster's side of the handshake can keep it out
    Path foreignKeystore = dir.resolve("foreign.p12");
    keytool("-genkeypair", "-alias", "node", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
        "-dname", "CN=microshop-cluster", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
        "-storetype", "PKCS12", "-keystore", foreignKeystore.toString(), "-storepass", "foreign-secret", "-keypass", "foreign-secret");
    Path clusterCert = dir.resolve("cluster.pem");
    keytool("-exportcert", "-rfc", "-alias", "node", "-keystore", keystore.toString(), "-storepass", "cluster-secret",
        "-file", clusterCert.toString());
    Path foreignTrust = dir.resolve("foreign-trust.p12");
    keytool("-importcert", "-noprompt", "-alias", "cluster", "-file", clusterCert.toString(),
        "-storetype", "PKCS12", "-keystore", foreignTrust.toString(), "-storepass", "foreign-secret");
    Map<String, String> foreignTls = new HashMap<>(cluster);
    foreignTls.put("MICROSHOP_CLUSTER_TLS_KEYSTORE", foreignKeystore.toString());
    foreignTls.put("MICROSHOP_CLUSTER_TLS_KEYSTORE_PASSWORD", "foreign-secret");
    foreignTls.put("MICROSHOP_CLUSTER_TLS_TRUSTSTORE", foreignTrust.toString());

    Vertx trusted = member(tls);
    Vertx foreign = member(foreignTls);
    try {
      // the cluster's certificate gets answers: the stock of the mug, nothing reserved
      assertThat(reserved(trusted)).isZero();

      // the foreign node's command to reserve stock gets no answer, and the inventory never ran it
      JsonObject reserve = new JsonObject().put("orderId", UUID.randomUUID().toString())
          .put("lines", new JsonArray().add(new JsonObject().put("sku", SKU).put("quantity", 1)));
      Throwable refused = catchThrowable(() -> Await.await(foreign.eventBus()
          .request(InventoryAddresses.RESERVE, reserve, new DeliveryOptions().setSendTimeout(10_000))));
      assertThat(refused).as("the foreign node's reservation").isInstanceOf(ReplyException.class);
      assertThat(reserved(trusted)).as("stock reserved by the foreign node's command").isZero();

      // a message of the cluster for the foreign node's consumer is never delivered
      ConcurrentLinkedQueue<Object> received = new ConcurrentLinkedQueue<>();
      MessageConsumer<String> probe = foreign.eventBus().consumer("tls.probe", m -> {
        received.add(m.body());
        m.reply("delivered");
      });
      Await.await(probe.completion());
      Throwable undelivered = catchThrowable(() -> Await.await(trusted.eventBus()
          .request("tls.probe", "for the foreign node", new DeliveryOptions().setSendTimeout(10_000))));
      assertThat(undelivered).as("the cluster's message to the foreign node").isInstanceOf(ReplyException.class);
      assertThat(received).as("what the foreign node received").isEmpty();

      // the cluster itself goes on answering
      assertThat(ShopProcess.get("http://127.0.0.1:" + securePort + "/api/products/" + SKU).statusCode()).isEqualTo(200);
    } finally {
      Await.await(foreign.close());
      Await.await(trusted.close());
    }
  }

  /** This test JVM as a member of the cluster, its event bus configured by ClusterTls from {@code env}. */
  private static Vertx member(Map<String, String> env) throws Exception {
    VertxOptions options = new VertxOptions();
    assertThat(ClusterTls.apply(options.getEventBusOptions(), env)).isTrue();
    return Vertx.builder().with(options).withClusterManager(new ShopClusterManager(ClusterConfig.load(env)))
        .buildClustered().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static int reserved(Vertx member) throws Exception {
    return Await.request(member, InventoryAddresses.STOCK_REPORT, new JsonObject()).getJsonArray("products").stream()
        .map(JsonObject.class::cast).filter(p -> p.getString("sku").equals(SKU)).findFirst().orElseThrow()
        .getInteger("reserved");
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
