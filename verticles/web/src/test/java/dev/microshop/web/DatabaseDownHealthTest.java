package dev.microshop.web;

import dev.microshop.common.db.EmbeddedPostgresServer;
import dev.microshop.inventory.api.InventoryAddresses;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;


import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /health} follows a service's database, not only its verticle: the real inventory
 * with its own embedded PostgreSQL, whose server this test stops and starts again while the
 * inventory verticle keeps running.
 */
class DatabaseDownHealthTest {

  private static final long DEADLINE_MS = 30_000;

  @RegisterExtension
  static final DeployedWeb web = DeployedWeb.withInventory("health");

  @Test
  @DisplayName("the inventory's database stops while its verticle runs: /health turns 503 naming the inventory's database DOWN;"
      + " the database back on its port, /health is 200 again")
  void databaseDownThenBack() throws Exception {
    healthUntil(200);
    // the server this JVM started for the inventory (acquire returns the running one)
    int pgPort = EmbeddedPostgresServer.acquire(web.dataDir().toString(), 0).port();

    EmbeddedPostgresServer.stopAll();
    HttpResponse<Buffer> down = healthUntil(503);
    JsonObject body = down.bodyAsJsonObject();
    assertThat(body.getString("outcome")).isEqualTo("DOWN");
    assertThat(check(body, "event-bus").getString("status")).isEqualTo("UP");
    JsonObject inventory = check(body, InventoryAddresses.SERVICE);
    assertThat(inventory.getString("status")).isEqualTo("DOWN");
    // the inventory verticle answered its health address itself, and named its database as the cause
    JsonObject database = check(inventory.getJsonObject("data"), "database");
    assertThat(database.getString("status")).isEqualTo("DOWN");
    assertThat(database.getJsonObject("data").getString("cause")).isNotBlank();

    EmbeddedPostgresServer.acquire(web.dataDir().toString(), pgPort);
    HttpResponse<Buffer> up = healthUntil(200);
    assertThat(check(check(up.bodyAsJsonObject(), InventoryAddresses.SERVICE).getJsonObject("data"), "database")
        .getString("status")).isEqualTo("UP");
  }

  private static HttpResponse<Buffer> healthUntil(int status) throws Exception {
    return Health.until(web.client(), web.port(), status, DEADLINE_MS);
  }

  private static JsonObject check(JsonObject health, String id) {
    return Health.check(health, id);
  }
}
