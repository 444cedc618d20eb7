package dev.microshop.web;

import dev.microshop.common.testing.Await;
import dev.microshop.inventory.api.InventoryAddresses;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The HTTP API of the catalog, health, metrics and the store front, with the real inventory. */
@ExtendWith(VertxExtension.class)
class WebVerticleTest {

  /** The products that the inventory's migration V2__demo_catalog.sql seeds. */
  private static final int DEMO_CATALOG_SIZE = 21;

  @RegisterExtension
  static final DeployedWeb web = DeployedWeb.withInventory("web");

  @Test
  @DisplayName("GET /api/products lists the whole demo catalog: its 21 products in the inventory's order, each with public fields"
      + " only and its available stock (on hand less reserved)")
  void list() throws Exception {
    // 5 of the 12 books held for an order: available differs from on hand
    JsonObject reserved = Await.request(web.vertx(), InventoryAddresses.RESERVE, new JsonObject().put("orderId", UUID.randomUUID().toString())
        .put("lines", new JsonArray().add(new JsonObject().put("sku", "BOOK-VERTX").put("quantity", 5))));
    assertThat(reserved.getString("status")).isEqualTo("RESERVED");
    // the web's catalog follows the inventory's events: the reservation shows within its bound (CatalogViewTest)
    long deadline = System.currentTimeMillis() + 1000;
    while (get("/api/products/BOOK-VERTX").bodyAsJsonObject().getInteger("available") != 12 - 5
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(1);
    }
    HttpResponse<Buffer> res = get("/api/products");
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.getHeader("Content-Type")).startsWith("application/json");
    List<JsonObject> products = res.bodyAsJsonObject().getJsonArray("products").stream().map(JsonObject.class::cast).toList();
    assertThat(products).hasSize(DEMO_CATALOG_SIZE);
    assertThat(products).allSatisfy(p -> assertThat(p.fieldNames()).containsExactlyInAnyOrder(
        "sku", "name", "description", "category", "price", "priceCents", "currency", "available", "image"));
    // the stock as the inventory itself holds it, product by product
    List<JsonObject> held = Await.request(web.vertx(), InventoryAddresses.LIST_PRODUCTS, new JsonObject())
        .getJsonArray("products").stream().map(JsonObject.class::cast).toList();
    assertThat(products).extracting(p -> p.getString("sku")).containsExactlyElementsOf(held.stream().map(p -> p.getString("sku")).toList());
    assertThat(products).extracting(p -> p.getInteger("available"))
        .containsExactlyElementsOf(held.stream().map(p -> p.getInteger("onHand") - p.getInteger("reserved")).toList());
    // and as the demo catalog seeded it
    JsonObject mug = products.stream().filter(p -> p.getString("sku").equals("MUG-CLASSIC")).findFirst().orElseThrow();
    assertThat(mug.getInteger("available")).isEqualTo(120);
    JsonObject book = products.stream().filter(p -> p.getString("sku").equals("BOOK-VERTX")).findFirst().orElseThrow();
    assertThat(book.getInteger("available")).isEqualTo(12 - 5);
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
  @DisplayName("GET /metrics serves Prometheus text with the HTTP server's request counts and the admission of orders (its bound at first: the floor)")
  void metrics() throws Exception {
    get("/api/products");
    HttpResponse<Buffer> res = get("/metrics");
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.bodyAsString()).contains("vertx_http_server_requests_total").contains("jvm_memory_used_bytes")
        .contains("microshop_web_placements_limit 32.0").contains("microshop_web_placements_in_flight 0.0")
        .contains("microshop_web_placements_shed_total 0.0");
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
  @DisplayName("a deploy reaches shoppers at their next load: the page is revalidated (no-cache, ETag, 304) and names each asset by"
      + " its content's hash, cached a year; an unversioned asset is revalidated; a favicon and a description")
  void storeFrontCaching() throws Exception {
    HttpResponse<Buffer> page = get("/");
    assertThat(page.getHeader("Cache-Control")).isEqualTo("no-cache");
    String etag = page.getHeader("ETag");
    assertThat(etag).isNotBlank();
    for (String path : new String[] {"/", "/index.html"}) {
      HttpResponse<Buffer> head = await(web.client().head(web.port(), "127.0.0.1", path).send());
      assertThat(head.statusCode()).as("HEAD %s", path).isEqualTo(200);
      assertThat(head.getHeader("Cache-Control")).as("HEAD %s", path).isEqualTo("no-cache");
      assertThat(head.getHeader("ETag")).as("HEAD %s", path).isEqualTo(etag);
      assertThat(head.body()).as("HEAD %s", path).isNull();
    }
    HttpResponse<Buffer> again = await(web.client().get(web.port(), "127.0.0.1", "/").putHeader("If-None-Match", etag).send());
    assertThat(again.statusCode()).isEqualTo(304);
    String html = page.bodyAsString();
    assertThat(html).contains("<meta name=\"description\"").contains("rel=\"icon\"");
    for (String asset : new String[] {"/js/app.js", "/css/shop.css"}) {
      HttpResponse<Buffer> plain = get(asset);
      assertThat(plain.getHeader("Cache-Control")).as(asset).isEqualTo("no-cache");
      assertThat(plain.getHeader("Last-Modified")).as(asset).isNotBlank();
      String versioned = asset + "?v=" + StoreFront.hash(plain.body().getBytes());
      assertThat(html).as("the page names %s by its content", asset).contains("\"" + versioned + "\"");
      HttpResponse<Buffer> kept = get(versioned);
      assertThat(kept.statusCode()).isEqualTo(200);
      assertThat(kept.getHeader("Cache-Control")).as(versioned).isEqualTo(StoreFront.ASSET_CACHE);
    }
    HttpResponse<Buffer> icon = get("/favicon.ico");
    assertThat(icon.statusCode()).isEqualTo(200);
    assertThat(icon.getHeader("Content-Type")).startsWith("image/svg+xml");
    assertThat(get("/favicon.svg").statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("every response carries the security headers: a CSP without inline scripts or styles and nothing from another"
      + " origin, nosniff, frame denial, no referrer, a same-origin opener; no CORS by default")
  void securityHeaders() throws Exception {
    for (String path : new String[] {"/", "/js/app.js", "/api/products", "/api/products?limit=0", "/api/me", "/api/nothing", "/health"}) {
      HttpResponse<Buffer> res = await(web.client().get(web.port(), "127.0.0.1", path).putHeader("Origin", "https://evil.example").send());
      assertThat(res.getHeader("Content-Security-Policy")).as(path).contains("default-src 'self'").contains("script-src 'self'")
          .contains("style-src 'self'").contains("frame-ancestors 'none'").contains("object-src 'none'")
          .doesNotContain("unsafe-inline").doesNotContain("unsafe-eval").doesNotContain("http:").doesNotContain("https:")
          .doesNotContain("*");
      assertThat(res.getHeader("X-Content-Type-Options")).as(path).isEqualTo("nosniff");
      assertThat(res.getHeader("X-Frame-Options")).as(path).isEqualTo("DENY");
      assertThat(res.getHeader("Referrer-Policy")).as(path).isEqualTo("no-referrer");
      assertThat(res.getHeader("Cross-Origin-Opener-Policy")).as(path).isEqualTo("same-origin");
      assertThat(res.getHeader("Access-Control-Allow-Origin")).as(path).isNull();
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
    if (status >= 500) {
      assertThat(res.bodyAsJsonObject().getString("errorId")).as("a 5xx answer's errorId").isNotBlank();
    } else {
      assertThat(res.bodyAsJsonObject().containsKey("errorId")).as("an errorId on a %s", status).isFalse();
    }
  }

  private static HttpResponse<Buffer> get(String path) throws Exception {
    return await(web.client().get(web.port(), "127.0.0.1", path).send());
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
