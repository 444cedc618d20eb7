package dev.microshop.web;

import dev.microshop.common.testing.TestData;
import dev.microshop.inventory.InventoryVerticle;
import dev.microshop.inventory.api.InventoryAddresses;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;

import static dev.microshop.common.testing.Await.await;

/** The web before the real inventory service: the set-up of the web tests that need only the catalog. */
final class InventoryAndWeb {

  private InventoryAndWeb() {
  }

  /**
   * Deploys the inventory on its own embedded database in {@code dataDir}, then the web on a free
   * loopback port with {@code /health} reporting the inventory only; returns the web's port.
   */
  static int deploy(Vertx vertx, Path dataDir) throws Exception {
    await(vertx.deployVerticle(InventoryVerticle::new, new DeploymentOptions().setConfig(TestData.serviceConfig(dataDir))));
    return DeployedWeb.deployWeb(vertx, new JsonObject().put("services", new JsonArray().add(InventoryAddresses.SERVICE)));
  }
}
