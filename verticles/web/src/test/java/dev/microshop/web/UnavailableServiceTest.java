package dev.microshop.web;

import dev.microshop.common.discovery.ServiceRegistry;
import dev.microshop.inventory.api.InventoryAddresses;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static dev.microshop.web.WebVerticleTest.assertError;
import static dev.microshop.web.WebVerticleTest.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web verticle alone, with fake inventories on the event bus: what a client sees when the
 * service is missing, silent or broken. Always a JSON answer, never a hang or a stack trace.
 */
class UnavailableServiceTest {

  /** The web's request timeout here: "at once" means well before it, a time-out means after it. */
  private static final long TIMEOUT_MS = 1_500;

  private Vertx vertx;
  private WebClient client;
  private int port;

  @BeforeEach
  void deploy() throws Exception {
    vertx = Vertx.vertx();
    WebVerticle web = new WebVerticle();
    await(vertx.deployVerticle(web, new DeploymentOptions().setConfig(new JsonObject()
        .put("request-timeout-ms", TIMEOUT_MS)
        .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1")))));
    port = web.port();
    client = WebClient.create(vertx);
  }

  @AfterEach
  void close() throws Exception {
    await(vertx.close());
  }

  @Test
  @DisplayName("no inventory published in discovery: 503 at once, and /health is DOWN")
  void notPublished() throws Exception {
    long start = System.nanoTime();
    assertError(get("/api/products"), 503, "unavailable");
    assertThat((System.nanoTime() - start) / 1_000_000).as("answered without waiting for the request timeout")
        .isLessThan(TIMEOUT_MS);
    HttpResponse<Buffer> health = get("/health");
    assertThat(health.statusCode()).isEqualTo(503);
    assertThat(health.bodyAsJsonObject().getString("outcome")).isEqualTo("DOWN");
  }

  @Test
  @DisplayName("published but no handler on the address: 503")
  void noHandler() throws Exception {
    publishFakeInventory();
    assertError(get("/api/products"), 503, "unavailable");
  }

  @Test
  @DisplayName("a handler that never answers: 504 after the request timeout")
  void silent() throws Exception {
    publishFakeInventory();
    MessageConsumer<JsonObject> silent = vertx.eventBus().consumer(InventoryAddresses.GET_PRODUCT, m -> { });
    await(silent.completion());
    long start = System.nanoTime();
    assertError(get("/api/products/MUG-CLASSIC"), 504, "timeout");
    // after the timeout (once, or twice when the idempotent read is retried), never a hang
    assertThat((System.nanoTime() - start) / 1_000_000).isBetween(TIMEOUT_MS - 20, 4 * TIMEOUT_MS);
  }

  @Test
  @DisplayName("a handler that fails with an internal error: 500 without its details")
  void broken() throws Exception {
    publishFakeInventory();
    await(vertx.eventBus().consumer(InventoryAddresses.LIST_PRODUCTS,
        m -> m.fail(500, "java.lang.NullPointerException at dev.microshop.Secret.line(42)")).completion());
    HttpResponse<Buffer> res = get("/api/products");
    assertError(res, 500, "internal");
    assertThat(res.bodyAsString()).doesNotContain("NullPointer").doesNotContain("Secret");
  }

  @Test
  @DisplayName("production mode: start-up fails without a signing key")
  void productionNeedsAKey() {
    Throwable failed = org.assertj.core.api.Assertions.catchThrowable(() -> await(vertx.deployVerticle(new WebVerticle(),
        new DeploymentOptions().setConfig(new JsonObject()
            .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1"))
            .put("auth", new JsonObject().put("production", true))))));
    assertThat(failed).hasMessageContaining("production mode").hasMessageContaining("MICROSHOP_WEB_AUTH_JWT_SECRET");
  }

  @Test
  @DisplayName("production mode: a signing key of 31 characters is refused at start-up, one of 32 is taken and the server answers")
  void productionKeyLength() throws Exception {
    Throwable failed = org.assertj.core.api.Assertions.catchThrowable(() -> await(vertx.deployVerticle(new WebVerticle(),
        productionWithKey("k".repeat(31)))));
    assertThat(failed).as("deployment with a 31-character key").isNotNull()
        .hasMessageContaining("production mode").hasMessageContaining("at least 32 characters");

    WebVerticle web = new WebVerticle();
    await(vertx.deployVerticle(web, productionWithKey("k".repeat(32))));
    assertThat(await(client.get(web.port(), "127.0.0.1", "/api/openapi.yaml").send()).statusCode()).isEqualTo(200);
  }

  private static DeploymentOptions productionWithKey(String secret) {
    return new DeploymentOptions().setConfig(new JsonObject()
        .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1"))
        .put("auth", new JsonObject().put("production", true).put("jwt-secret", secret)));
  }

  private void publishFakeInventory() throws Exception {
    ServiceRegistry registry = new ServiceRegistry(vertx);
    await(registry.publishEventBusService(InventoryAddresses.SERVICE, InventoryAddresses.SERVICE));
  }

  private HttpResponse<Buffer> get(String path) throws Exception {
    return await(client.get(port, "127.0.0.1", path).send());
  }
}
