package dev.microshop.web;

import dev.microshop.common.MicroshopVertx;
import dev.microshop.common.db.EmbeddedPostgresServer;
import dev.microshop.common.testing.TestData;
import dev.microshop.customer.CustomerVerticle;
import dev.microshop.history.HistoryVerticle;
import dev.microshop.inventory.InventoryVerticle;
import dev.microshop.order.OrderVerticle;
import dev.microshop.shipping.ShippingVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Path;

import static dev.microshop.common.testing.Await.await;

/**
 * The web of one test class with real services behind it, each on its embedded PostgreSQL in one
 * fresh data directory, as a JUnit extension: deployed before the class's tests on a Vert.x of its
 * own, closed after them with the databases it started.
 */
final class DeployedWeb implements BeforeAllCallback, AfterAllCallback {

  /** Deploys the services and the web on {@code vertx}; returns the web's port. */
  @FunctionalInterface
  interface Deployment {
    int deploy(Vertx vertx, Path dataDir) throws Exception;
  }

  private final String name;
  private final Deployment deployment;
  private Vertx vertx;
  private Path dataDir;
  private int port;
  private WebClient client;

  private DeployedWeb(String name, Deployment deployment) {
    this.name = name;
    this.deployment = deployment;
  }

  /** The web before the real inventory only ({@link InventoryAndWeb}); {@code name} names the data directory. */
  static DeployedWeb withInventory(String name) {
    return new DeployedWeb(name, InventoryAndWeb::deploy);
  }

  /** A set-up of the test's own: {@code deployment} deploys what it needs and the web. */
  static DeployedWeb custom(String name, Deployment deployment) {
    return new DeployedWeb(name, deployment);
  }

  /** The web before the whole shop (inventory, customer, order, shipping, history), signing its tokens with {@code jwtSecret}. */
  static DeployedWeb withWholeShop(String name, String jwtSecret) {
    return withWholeShop(name, jwtSecret, 60_000);
  }

  /** The same, the courier leaving {@code prepareMs} after an approval and arriving as long after. */
  static DeployedWeb withWholeShop(String name, String jwtSecret, long prepareMs) {
    return new DeployedWeb(name, (vertx, data) -> {
      DeploymentOptions service = new DeploymentOptions().setConfig(TestData.serviceConfig(data));
      await(vertx.deployVerticle(InventoryVerticle::new, service));
      await(vertx.deployVerticle(CustomerVerticle::new, new DeploymentOptions()
          .setConfig(TestData.serviceConfig(data).put("default-credit-limit", "100.00"))));
      await(vertx.deployVerticle(OrderVerticle::new, service));
      await(vertx.deployVerticle(ShippingVerticle::new, new DeploymentOptions().setConfig(TestData.serviceConfig(data)
          .put("courier", new JsonObject().put("prepare-delay-ms", prepareMs).put("delivery-delay-ms", prepareMs)))));
      await(vertx.deployVerticle(HistoryVerticle::new, new DeploymentOptions().setConfig(TestData.serviceConfig(data)
          .put("events", new JsonObject().put("poll-ms", 200)))));
      return deployWeb(vertx, new JsonObject().put("auth", new JsonObject().put("jwt-secret", jwtSecret)));
    });
  }

  /** Deploys a web verticle with {@code config}, on a free loopback port; returns that port. */
  static int deployWeb(Vertx vertx, JsonObject config) throws Exception {
    WebVerticle web = new WebVerticle();
    await(vertx.deployVerticle(web, new DeploymentOptions().setConfig(config
        .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1")))));
    return web.port();
  }

  Vertx vertx() {
    return vertx;
  }

  WebClient client() {
    return client;
  }

  int port() {
    return port;
  }

  /** Where the services keep their embedded databases. */
  Path dataDir() {
    return dataDir;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    vertx = MicroshopVertx.localVertx();
    dataDir = TestData.freshDataDir(name);
    port = deployment.deploy(vertx, dataDir);
    client = WebClient.create(vertx);
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    await(vertx.close());
    EmbeddedPostgresServer.stopAll();
  }
}
