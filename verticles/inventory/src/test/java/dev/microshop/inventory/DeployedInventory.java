package dev.microshop.inventory;

import dev.microshop.common.db.EmbeddedPostgresServer;
import dev.microshop.common.testing.Await;
import dev.microshop.common.testing.TestData;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The inventory verticle of one test class on its own embedded PostgreSQL (in a fresh data
 * directory named after {@code name}), as a JUnit extension: deployed before the class's tests,
 * closed after them with the databases it started; its event bus requests as the tests make them.
 */
final class DeployedInventory implements BeforeAllCallback, AfterAllCallback {

  private final String name;
  private final AtomicInteger seq = new AtomicInteger();
  private Vertx vertx;

  DeployedInventory(String name) {
    this.name = name;
  }

  Vertx vertx() {
    return vertx;
  }

  /** A sku no other test of this JVM uses: {@code prefix}, the process id and a sequence number. */
  String sku(String prefix) {
    return prefix + "-" + ProcessHandle.current().pid() + "-" + seq.incrementAndGet();
  }

  /** The reply body of a request that must succeed. */
  JsonObject request(String address, JsonObject body) throws Exception {
    return Await.request(vertx, address, body);
  }

  /** The failure code of a request that must fail. */
  int failureCode(String address, JsonObject body) throws Exception {
    return Await.failureCode(vertx, address, body);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    vertx = Vertx.vertx();
    Await.await(vertx.deployVerticle(InventoryVerticle::new,
        new DeploymentOptions().setConfig(TestData.serviceConfig(TestData.freshDataDir(name)))));
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    Await.await(vertx.close());
    EmbeddedPostgresServer.stopAll();
  }
}
