package dev.microshop.web;

import dev.microshop.common.discovery.ServiceRegistry;
import dev.microshop.inventory.api.InventoryAddresses;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import io.vertx.servicediscovery.types.EventBusService;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /health} names split data: the real inventory on its embedded PostgreSQL, and the
 * discovery record of another inventory instance on another database that shows up later.
 */
class SplitDataHealthTest {

  private static final long DEADLINE_MS = 15_000;

  @RegisterExtension
  static final DeployedWeb web = DeployedWeb.withInventory("split-health");

  @Test
  @DisplayName("an inventory instance on another database shows up: /health turns 503 with the inventory DOWN and the"
      + " conflict named (both databases); once it is gone, /health is 200 again")
  void splitDataShowsInHealth() throws Exception {
    healthUntil(200);
    ServiceDiscovery other = ServiceDiscovery.create(web.vertx(), new ServiceDiscoveryOptions().setAnnounceAddress(ServiceRegistry.ANNOUNCE));
    try {
      String registration = await(other.publish(EventBusService.createRecord(InventoryAddresses.SERVICE,
          InventoryAddresses.SERVICE, "dev.microshop.inventory", new JsonObject()
              .put("node", "elsewhere").put("jvm", "7@elsewhere").put("instance", "peer")
              .put("since", Long.MAX_VALUE).put("database", "1/inventory")))).getRegistration();

      JsonObject inventory = check(healthUntil(503).bodyAsJsonObject(), InventoryAddresses.SERVICE);
      assertThat(inventory.getString("status")).isEqualTo("DOWN");
      JsonObject splitData = check(inventory.getJsonObject("data"), "split-data");
      assertThat(splitData.getString("status")).isEqualTo("DOWN");
      assertThat(splitData.getJsonObject("data").getString("conflict"))
          .matches("split data: this instance \\(node local, jvm .+\\) uses database \\d+/inventory but the live instance"
              + " on node elsewhere \\(jvm 7@elsewhere\\) uses database 1/inventory .*");

      await(other.unpublish(registration));
      healthUntil(200);
    } finally {
      other.close();
    }
  }

  private static HttpResponse<Buffer> healthUntil(int status) throws Exception {
    return Health.until(web.client(), web.port(), status, DEADLINE_MS);
  }

  private static JsonObject check(JsonObject health, String id) {
    return Health.check(health, id);
  }
}
