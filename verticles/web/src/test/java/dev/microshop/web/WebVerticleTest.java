package dev.microshop.web;

import dev.microshop.common.MicroshopVertx;
import dev.microshop.common.db.EmbeddedPostgresServer;
import dev.microshop.common.testing.TestData;
import dev.microshop.inventory.InventoryVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The HTTP API of the catalog, health, metrics and the store front, with the real inventory. */
@ExtendWith(VertxExtension.class)
class WebVerticleTest {

  private static Vertx vertx;
  private static WebClient client;
  private static int port;

  @BeforeAll
  static void deploy() throws Exception {
    vertx = MicroshopVertx.localVertx();
    await(vertx.deployVerticle(InventoryVerticle::new,
        new DeploymentOptions().setConfig(TestData.serviceConfig(TestData.freshDataDir("web")))));
    WebVerticle web = new WebVerticle();
    await(vertx.deployVerticle(web, new DeploymentOptions().setConfig(new JsonObject()
        .put("services", new JsonArray().add("inventory"))
        .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1")))));
    port = web.port();
    client = WebClient.create(vertx);
  }

  @AfterAll
  static void close() throws Exception {
    await(vertx.close());
    EmbeddedPostgresServer.stopAll();
  }

  @Test
  @DisplayName("GET /api/products lists the catalog with public fields only")
  void list() throws Exception {
    HttpResponse<Buffer> res = get("/api/products");
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.getHeader("Content-Type")).startsWith("application/json");
    JsonArray products = res.bodyAsJsonObject().getJsonArray("products");
    assertThat(products.size()).isBetween(18, 200);
    JsonObject first = products.getJsonObject(0);
    assertThat(first.fieldNames()).containsExactlyInAnyOrder(
        "sku", "name", "description", "price", "priceCents", "currency", "available");
  }

  @Test
  @DisplayName("GET /api/products?q= searches and GET /api/products/{sku} answers one product")
  void searchAndGet() throws Exception {
    assertThat(get("/api/products?q=mug").bodyAsJsonObject().getJsonArray("products")).hasSize(2);
    HttpResponse<Buffer> mug = get("/api/products/MUG-CLASSIC");
    assertThat(mug.statusCode()).isEqualTo(200);
    assertThat(mug.bodyAsJsonObject().getString("price")).isEqualTo("12.90");
    assertThat(mug.bodyAsJsonObject().getLong("priceCents")).isEqualTo(1290L);
  }

  @Test
  @DisplayName("an unknown sku is a JSON 404; a malformed sku or query parameter a JSON 400; an unknown route a JSON 404")
  void errors() throws Exception {
    assertError(get("/api/products/NO-SUCH-THING"), 404, "not_found");
    assertError(get("/api/products/bad%20sku"), 400, "bad_request");
    assertError(get("/api/products?limit=ten"), 400, "bad_request");
    assertError(get("/api/products?limit=0"), 400, "bad_request");
    assertError(get("/api/products?offset=-1"), 400, "bad_request");
    assertError(get("/api/nothing-here"), 404, "not_found");
  }

  @Test
  @DisplayName("GET /health is UP with the event bus and the inventory's database")
  void health() throws Exception {
    HttpResponse<Buffer> res = get("/health");
    assertThat(res.statusCode()).isEqualTo(200);
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.getString("outcome")).isEqualTo("UP");
    assertThat(body.getJsonArray("checks").stream().map(c -> ((JsonObject) c).getString("id")))
        .contains("event-bus", "inventory");
    assertThat(body.encode()).contains("database");
  }

  @Test
  @DisplayName("GET /metrics serves Prometheus text with the HTTP server's request counts")
  void metrics() throws Exception {
    get("/api/products");
    HttpResponse<Buffer> res = get("/metrics");
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.bodyAsString()).contains("vertx_http_server_requests_total").contains("jvm_memory_used_bytes");
  }

  @Test
  @DisplayName("the store front is served: the catalog page and its script, no inline script")
  void storeFront() throws Exception {
    HttpResponse<Buffer> page = get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.getHeader("Content-Type")).startsWith("text/html");
    assertThat(page.bodyAsString()).contains("/js/app.js").doesNotContain("<script>").doesNotContain("style=");
    assertThat(get("/js/app.js").statusCode()).isEqualTo(200);
    assertThat(get("/css/shop.css").statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("every response carries the security headers: a CSP without inline scripts, nosniff, frame denial; no CORS by default")
  void securityHeaders() throws Exception {
    for (String path : new String[] {"/", "/api/products", "/api/nothing", "/health"}) {
      HttpResponse<Buffer> res = await(client.get(port, "127.0.0.1", path).putHeader("Origin", "https://evil.example").send());
      assertThat(res.getHeader("Content-Security-Policy")).as(path).contains("script-src 'self'")
          .contains("frame-ancestors 'none'").doesNotContain("unsafe-inline");
      assertThat(res.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
      assertThat(res.getHeader("X-Frame-Options")).isEqualTo("DENY");
      assertThat(res.getHeader("Access-Control-Allow-Origin")).isNull();
    }
  }

  @Test
  @DisplayName("the OpenAPI contract is served at /api/openapi.yaml and requests are validated against it")
  void openApi() throws Exception {
    HttpResponse<Buffer> res = get("/api/openapi.yaml");
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.bodyAsString()).startsWith("openapi: 3.1.0").contains("operationId: placeOrder");
    assertError(get("/api/products?limit=201"), 400, "bad_request");
  }

  static void assertError(HttpResponse<Buffer> res, int status, String error) {
    assertThat(res.statusCode()).isEqualTo(status);
    assertThat(res.getHeader("Content-Type")).startsWith("application/json");
    assertThat(res.bodyAsJsonObject().getString("error")).isEqualTo(error);
    assertThat(res.bodyAsJsonObject().getString("message")).isNotBlank();
  }

  private static HttpResponse<Buffer> get(String path) throws Exception {
    return await(client.get(port, "127.0.0.1", path).send());
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
