package dev.microshop.web;

import dev.microshop.common.testing.Await;
import dev.microshop.common.testing.TestData;
import dev.microshop.inventory.InventoryVerticle;
import dev.microshop.inventory.api.InventoryAddresses;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.UUID;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The web's catalog read model ({@link CatalogView}): fresh within its bound, and reading while the inventory is down. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CatalogViewTest {

  /** The bound this test holds the read model to: its poll interval (conf/web.json catalog.poll-ms), which a lost wake-up waits for. */
  private static final long BOUND_MS = 1000;

  private static String inventoryDeployment;

  @RegisterExtension
  static final DeployedWeb web = DeployedWeb.custom("catalog-view", (vertx, data) -> {
    inventoryDeployment = await(vertx.deployVerticle(InventoryVerticle::new,
        new DeploymentOptions().setConfig(TestData.serviceConfig(data))));
    return DeployedWeb.deployWeb(vertx, new JsonObject().put("services", new JsonArray().add(InventoryAddresses.SERVICE)));
  });

  @Test
  @Order(1)
  @DisplayName("a stock change made in the inventory (a reservation, not through this web) shows in the web's catalog within the bound")
  void stockChangeShowsWithinBound() throws Exception {
    int before = product("MUG-TRAVEL").getInteger("available");
    long t0 = System.nanoTime();
    JsonObject reserved = Await.request(web.vertx(), InventoryAddresses.RESERVE, new JsonObject()
        .put("orderId", UUID.randomUUID().toString())
        .put("lines", new JsonArray().add(new JsonObject().put("sku", "MUG-TRAVEL").put("quantity", 3))));
    assertThat(reserved.getString("status")).isEqualTo("RESERVED");
    awaitAvailable("MUG-TRAVEL", before - 3);
    System.out.printf("catalog read model: a reservation visible in the web %d ms after it was sent (bound %d ms)%n",
        (System.nanoTime() - t0) / 1_000_000, BOUND_MS);
    // the released stock comes back the same way
    Await.request(web.vertx(), InventoryAddresses.RELEASE, new JsonObject().put("orderId", reserved.getString("orderId")));
    awaitAvailable("MUG-TRAVEL", before);
  }

  @Test
  @Order(2)
  @DisplayName("a product added in the inventory reads at once (a sku the view doesn't know yet is asked of the inventory) and joins the list within the bound")
  void newProductReadsAtOnce() throws Exception {
    Await.request(web.vertx(), InventoryAddresses.ADD_PRODUCT, new JsonObject().put("sku", "VIEW-NEW-1")
        .put("name", "Read model mug").put("price", "3.50").put("stock", 6));
    assertThat(product("VIEW-NEW-1").getInteger("available")).isEqualTo(6);
    long deadline = System.currentTimeMillis() + BOUND_MS;
    JsonArray found;
    do {
      found = get("/api/products?q=read%20model").bodyAsJsonObject().getJsonArray("products");
    } while (found.isEmpty() && System.currentTimeMillis() < deadline);
    assertThat(found).hasSize(1);
    assertThat(found.getJsonObject(0).getString("sku")).isEqualTo("VIEW-NEW-1");
  }

  @Test
  @Order(3)
  @DisplayName("searches, categories, sorts and pages: the read model answers exactly as the inventory's SQL does")
  void sameAnswersAsTheInventory() throws Exception {
    long deadline = System.currentTimeMillis() + 10_000; // the model has loaded (else the web asks the inventory)
    while (!get("/metrics").bodyAsString().lines().anyMatch(l -> l.startsWith("microshop_catalog_products ") && !l.endsWith(" 0.0"))) {
      assertThat(System.currentTimeMillis()).as("the catalog read model loads").isLessThan(deadline);
      Thread.sleep(50);
    }
    String[] queries = {"", "q=mug", "q=USB", "q=dishwasher", "q=%20cotton%20", "category=apparel", "category=apparel&sort=price",
        "sort=-price&limit=5&offset=3", "sort=name", "sort=name&q=e&limit=4&offset=2", "category=nothing-here", "offset=500",
        "q=zzz&category=tech", "q=mug%20classic", "q=%22travel%20mug%22", "q=black%20pens", "q=%E2%80%9Cmug%E2%80%9D",
        "q=%22%22", "q=%20%27cotton%27%20logo%20&sort=name"};
    for (String query : queries) {
      JsonObject fromView = get("/api/products?" + query).bodyAsJsonObject();
      JsonObject params = new JsonObject();
      for (String pair : query.isEmpty() ? new String[0] : query.split("&")) {
        String[] kv = pair.split("=", 2);
        String value = java.net.URLDecoder.decode(kv[1], java.nio.charset.StandardCharsets.UTF_8);
        params.put(kv[0], kv[0].equals("limit") || kv[0].equals("offset") ? (Object) Integer.parseInt(value) : value);
      }
      JsonObject fromInventory = Await.request(web.vertx(), InventoryAddresses.LIST_PRODUCTS,
          dev.microshop.inventory.api.CatalogQuery.fromJson(params, 200).toJson());
      fromInventory.put("products", new JsonArray(fromInventory.getJsonArray("products").stream()
          .map(p -> (Object) CatalogView.publicView((JsonObject) p)).toList()));
      assertThat(fromView).as("GET /api/products?%s", query).isEqualTo(fromInventory);
    }
    JsonObject apparel = get("/api/products?category=apparel&sort=-price").bodyAsJsonObject();
    assertThat(apparel.getInteger("total")).isEqualTo(6);
    assertThat(apparel.getJsonArray("products").getJsonObject(0).getString("sku")).isEqualTo("HOODIE-GREY");
    assertThat(apparel.getJsonArray("categories").stream().map(c -> ((JsonObject) c).getString("name")).toList())
        .containsExactly("apparel", "books", "drinkware", "home", "other", "stationery", "tech");
    assertThat(get("/api/products?q=dishwasher").bodyAsJsonObject().getJsonArray("products").getJsonObject(0).getString("sku"))
        .as("a search matches the description").isEqualTo("MUG-CLASSIC");
    assertThat(skus("q=mug%20classic")).as("each word anywhere, in any order").containsExactly("MUG-CLASSIC");
    assertThat(skus("q=black%20pens")).as("every word, each in the name, sku or description").containsExactly("PEN-GEL-3");
    assertThat(skus("q=%22mug%22")).as("quotation marks ignored").contains("MUG-CLASSIC", "MUG-TRAVEL")
        .isEqualTo(skus("q=mug")).isEqualTo(skus("q=%C2%ABMUG%C2%BB"));
    assertThat(skus("q=%22%22")).as("nothing but quotes: no search").isEqualTo(skus(""));
    for (String bad : List.of("sort=cheapest", "category=Apparel", "limit=0", "limit=201", "offset=-1")) {
      assertThat(get("/api/products?" + bad).statusCode()).as(bad).isEqualTo(400);
    }
  }

  @Test
  @Order(4)
  @DisplayName("with the inventory undeployed, the catalog still reads: a product, the list, a search")
  void readsWhileInventoryDown() throws Exception {
    JsonArray all = get("/api/products").bodyAsJsonObject().getJsonArray("products");
    await(web.vertx().undeploy(inventoryDeployment));
    HttpResponse<Buffer> one = get("/api/products/MUG-CLASSIC");
    assertThat(one.statusCode()).isEqualTo(200);
    assertThat(one.bodyAsJsonObject().getString("name")).isNotBlank();
    HttpResponse<Buffer> list = get("/api/products");
    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(list.bodyAsJsonObject().getJsonArray("products")).isEqualTo(all);
    assertThat(get("/api/products?q=mug&limit=1&offset=1").bodyAsJsonObject().getJsonArray("products"))
        .hasSize(1).first().extracting(p -> ((JsonObject) p).getString("sku")).isEqualTo(all.stream()
            .map(p -> ((JsonObject) p).getString("sku")).filter(s -> s.contains("MUG")).skip(1).findFirst().orElseThrow());
    // a sku it doesn't know is asked of the inventory: away, so 503 (not a 404 it cannot know)
    assertThat(get("/api/products/NO-SUCH-THING").statusCode()).isEqualTo(503);
  }

  /** Polls the web until the product shows {@code available}, failing past the bound. */
  private static void awaitAvailable(String sku, int available) throws Exception {
    long t0 = System.nanoTime();
    while (product(sku).getInteger("available") != available) {
      assertThat((System.nanoTime() - t0) / 1_000_000).as("ms until %s shows %d available", sku, available).isLessThan(BOUND_MS);
      Thread.sleep(1);
    }
  }

  private static JsonObject product(String sku) throws Exception {
    HttpResponse<Buffer> res = get("/api/products/" + sku);
    assertThat(res.statusCode()).as("GET /api/products/%s", sku).isEqualTo(200);
    return res.bodyAsJsonObject();
  }

  /** The skus of the first page of {@code GET /api/products?query}. */
  private static List<String> skus(String query) throws Exception {
    return get("/api/products?" + query).bodyAsJsonObject().getJsonArray("products").stream()
        .map(p -> ((JsonObject) p).getString("sku")).toList();
  }

  private static HttpResponse<Buffer> get(String path) throws Exception {
    return await(web.client().get(web.port(), "127.0.0.1", path).send());
  }
}
