package dev.microshop.web;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
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
 * service is missing, silent or broken. Always a JSON answer, never a hang or a stack trace; a 5xx
 * answer carries an {@code errorId} that leads to exactly one line of the web's log.
 */
class UnavailableServiceTest {

  /** The web's request timeout here: "at once" means well before it, a time-out means after it. */
  private static final long TIMEOUT_MS = 1_500;

  private Vertx vertx;
  private WebClient client;
  private int port;
  private CapturedLog log;

  @BeforeEach
  void deploy() throws Exception {
    vertx = Vertx.vertx();
    WebVerticle web = new WebVerticle();
    await(vertx.deployVerticle(web, new DeploymentOptions().setConfig(new JsonObject()
        .put("request-timeout-ms", TIMEOUT_MS)
        .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1")))));
    port = web.port();
    client = WebClient.create(vertx);
    log = CapturedLog.open();
  }

  @AfterEach
  void close() throws Exception {
    log.close();
    await(vertx.close());
  }

  @Test
  @DisplayName("no inventory published in discovery: 503 at once, its errorId logged once at WARN; /health is DOWN,"
      + " a health report without an errorId")
  void notPublished() throws Exception {
    long start = System.nanoTime();
    HttpResponse<Buffer> res = get("/api/products");
    assertError(res, 503, "unavailable");
    assertThat((System.nanoTime() - start) / 1_000_000).as("answered without waiting for the request timeout")
        .isLessThan(TIMEOUT_MS);
    assertLoggedOnce(res, Level.WARN, "GET /api/products answered 503");
    HttpResponse<Buffer> health = get("/health");
    assertThat(health.statusCode()).isEqualTo(503);
    assertThat(health.bodyAsJsonObject().getString("outcome")).isEqualTo("DOWN");
    assertThat(health.bodyAsJsonObject().containsKey("errorId")).isFalse();
  }

  @Test
  @DisplayName("published but no handler on the address: 503")
  void noHandler() throws Exception {
    publishFakeInventory();
    HttpResponse<Buffer> res = get("/api/products");
    assertError(res, 503, "unavailable");
    assertLoggedOnce(res, Level.WARN, "GET /api/products answered 503");
  }

  @Test
  @DisplayName("a handler that never answers: 504 after the request timeout, its errorId logged once at WARN")
  void silent() throws Exception {
    publishFakeInventory();
    MessageConsumer<JsonObject> silent = vertx.eventBus().consumer(InventoryAddresses.GET_PRODUCT, m -> { });
    await(silent.completion());
    long start = System.nanoTime();
    HttpResponse<Buffer> res = get("/api/products/MUG-CLASSIC");
    assertError(res, 504, "timeout");
    // after the timeout (once, or twice when the idempotent read is retried: without per-instance
    // routing every attempt has the whole timeout), never a hang
    assertThat((System.nanoTime() - start) / 1_000_000).isBetween(TIMEOUT_MS - 20, 4 * TIMEOUT_MS);
    assertLoggedOnce(res, Level.WARN, "GET /api/products/MUG-CLASSIC answered 504");
  }

  @Test
  @DisplayName("a handler that fails with an internal error: 500 without its details, its errorId logged once at ERROR")
  void broken() throws Exception {
    publishFakeInventory();
    await(vertx.eventBus().consumer(InventoryAddresses.LIST_PRODUCTS,
        m -> m.fail(500, "java.lang.NullPointerException at dev.microshop.Secret.line(42)")).completion());
    HttpResponse<Buffer> res = get("/api/products");
    assertError(res, 500, "internal");
    assertThat(res.bodyAsString()).doesNotContain("NullPointer").doesNotContain("Secret");
    assertLoggedOnce(res, Level.ERROR, "GET /api/products answered 500");
  }

  @Test
  @DisplayName("an unexpected exception in the web itself (a reply it cannot read): 500 without its details, its errorId"
      + " logged in one line at ERROR, the stack trace on the lines after it")
  void unexpected() throws Exception {
    publishFakeInventory();
    await(vertx.eventBus().consumer(InventoryAddresses.LIST_PRODUCTS,
        m -> m.reply(new JsonObject().put("products", "not a list"))).completion());
    HttpResponse<Buffer> res = get("/api/products");
    assertError(res, 500, "internal");
    assertThat(res.bodyAsString()).doesNotContain("ClassCast").doesNotContain("CatalogRoutes");
    ILoggingEvent logged = assertLoggedOnce(res, Level.ERROR, "GET /api/products answered 500");
    assertThat(logged.getThrowableProxy()).as("the stack trace").isNotNull();
    assertThat(CapturedLog.printed(logged)).contains("ClassCastException").contains("at dev.microshop.web.CatalogRoutes");
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

  /**
   * The answer's errorId is in exactly one line of the log: the one event for this answer, at
   * {@code level}, that names the request and status (its stack trace, if any, on the lines after).
   */
  private ILoggingEvent assertLoggedOnce(HttpResponse<Buffer> res, Level level, String requestAndStatus) {
    String errorId = res.bodyAsJsonObject().getString("errorId");
    assertThat(log.linesWith(errorId)).as("log lines with errorId %s", errorId).hasSize(1);
    ILoggingEvent logged = log.eventWith(errorId);
    assertThat(logged.getLevel()).isEqualTo(level);
    assertThat(logged.getFormattedMessage()).contains(requestAndStatus).contains("trace=");
    return logged;
  }

  private void publishFakeInventory() throws Exception {
    ServiceRegistry registry = new ServiceRegistry(vertx);
    await(registry.publishEventBusService(InventoryAddresses.SERVICE, InventoryAddresses.SERVICE));
  }

  private HttpResponse<Buffer> get(String path) throws Exception {
    return await(client.get(port, "127.0.0.1", path).send());
  }
}
