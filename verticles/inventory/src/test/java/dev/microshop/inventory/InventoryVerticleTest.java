package dev.microshop.inventory;

import dev.microshop.common.testing.Await;
import dev.microshop.common.eventlog.EventLogAddresses;
import dev.microshop.inventory.api.CatalogEntry;
import dev.microshop.inventory.api.ImageSize;
import dev.microshop.inventory.api.InventoryAddresses;
import dev.microshop.inventory.images.DrawnPictures;
import dev.microshop.inventory.images.ProductImages;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The inventory over the event bus, on a real embedded PostgreSQL. */
@ExtendWith(VertxExtension.class)
class InventoryVerticleTest {

  @RegisterExtension
  static final DeployedInventory inventory = new DeployedInventory("inventory");

  @Test
  @DisplayName("the demo catalog is seeded: its 21 products, sorted by sku, with exact prices and stock")
  void seeded() throws Exception {
    JsonArray products = request(InventoryAddresses.LIST_PRODUCTS, new JsonObject().put("q", "")).getJsonArray("products");
    List<JsonObject> demo = products.stream().map(JsonObject.class::cast)
        .filter(p -> !p.getString("sku").startsWith("T-")).toList(); // T-...: added by the other tests of this class
    List<String> skus = demo.stream().map(p -> p.getString("sku")).toList();
    assertThat(skus).hasSize(21).contains("MUG-CLASSIC", "BOOK-VERTX").isSorted();
    JsonObject mug = demo.stream().filter(p -> p.getString("sku").equals("MUG-CLASSIC")).findFirst().orElseThrow();
    assertThat(mug.getString("price")).isEqualTo("12.90");
    assertThat(mug.getLong("priceCents")).isEqualTo(1290);
    assertThat(mug.getInteger("onHand")).isEqualTo(120);
    assertThat(mug.getInteger("available")).isEqualTo(mug.getInteger("onHand") - mug.getInteger("reserved")).isEqualTo(120);
    JsonObject book = demo.stream().filter(p -> p.getString("sku").equals("BOOK-VERTX")).findFirst().orElseThrow();
    assertThat(book.getString("price")).isEqualTo("39.00");
    assertThat(book.getInteger("onHand")).isEqualTo(12);
  }

  @Test
  @DisplayName("the build drew every demo product in its seeded category, and the inventory serves those pictures: each size, byte for byte, with their version")
  void demoPicturesFromTheBuild() throws Exception {
    JsonArray products = request(InventoryAddresses.LIST_PRODUCTS, new JsonObject().put("q", "")).getJsonArray("products");
    List<JsonObject> demo = products.stream().map(JsonObject.class::cast).filter(p -> !p.getString("sku").startsWith("T-")).toList();
    assertThat(demo).hasSize(21);
    for (JsonObject p : demo) {
      ProductImages.Encoded built = DrawnPictures.of(p.getString("sku"), p.getString("category"))
          .orElseThrow(() -> new AssertionError("the build drew no picture of " + p.getString("sku") + " in " + p.getString("category")));
      for (ImageSize size : ImageSize.values()) {
        JsonObject served = request(InventoryAddresses.GET_IMAGE, new JsonObject().put("sku", p.getString("sku")).put("size", size.key()));
        assertThat(served.getBinary("data")).as(p.getString("sku") + " " + size.key()).isEqualTo(built.bytes().get(size));
        assertThat(served.getString("version")).isEqualTo(built.version());
      }
    }
  }

  @Test
  @DisplayName("list searches by name or sku, case-insensitively, and pages; % and _ are no wildcards")
  void search() throws Exception {
    assertThat(skus(new JsonObject().put("q", "mug"))).containsExactly("MUG-CLASSIC", "MUG-TRAVEL");
    assertThat(skus(new JsonObject().put("q", "%"))).isEmpty();
    assertThat(skus(new JsonObject().put("limit", 2).put("offset", 1))).hasSize(2);
    assertThat(failure(InventoryAddresses.LIST_PRODUCTS, new JsonObject().put("limit", 0))).isEqualTo(400);
    assertThat(failure(InventoryAddresses.LIST_PRODUCTS, new JsonObject().put("limit", "ten"))).isEqualTo(400);
  }

  @Test
  @DisplayName("get answers a product, 404 for an unknown sku and 400 for a malformed one")
  void get() throws Exception {
    assertThat(request(InventoryAddresses.GET_PRODUCT, new JsonObject().put("sku", "TOTE-CANVAS")).getString("name"))
        .isEqualTo("Canvas tote bag");
    assertThat(failure(InventoryAddresses.GET_PRODUCT, new JsonObject().put("sku", "NO-SUCH-SKU"))).isEqualTo(404);
    assertThat(failure(InventoryAddresses.GET_PRODUCT, new JsonObject().put("sku", "bad sku"))).isEqualTo(400);
    assertThat(failure(InventoryAddresses.GET_PRODUCT, new JsonObject())).isEqualTo(400);
    assertThat(failure(InventoryAddresses.GET_PRODUCT, new JsonObject().put("sku", 42))).isEqualTo(400);
  }

  @Test
  @DisplayName("add stores a product with its exact price; a duplicate sku is a 409")
  void add() throws Exception {
    String sku = sku();
    JsonObject added = request(InventoryAddresses.ADD_PRODUCT, new JsonObject()
        .put("sku", sku).put("name", "Exact").put("price", "1234.56").put("stock", 3));
    assertThat(added.getString("price")).isEqualTo("1234.56");
    assertThat(added.getInteger("onHand")).isEqualTo(3);
    assertThat(request(InventoryAddresses.GET_PRODUCT, new JsonObject().put("sku", sku)).getLong("priceCents"))
        .isEqualTo(123456);
    assertThat(failure(InventoryAddresses.ADD_PRODUCT, new JsonObject()
        .put("sku", sku).put("name", "Again").put("price", "1.00"))).isEqualTo(409);
  }

  @Test
  @DisplayName("prices survive exactly: what goes in as a decimal comes out unchanged, JSON numbers included")
  void pricesExact() throws Exception {
    for (Object price : new Object[] {"0.01", "0.10", "0.29", 19.99, 0.3, "999999.99", 5}) {
      String sku = sku();
      request(InventoryAddresses.ADD_PRODUCT, new JsonObject().put("sku", sku).put("name", "P").put("price", price));
      String expected = new java.math.BigDecimal(price.toString()).setScale(2).toPlainString();
      assertThat(request(InventoryAddresses.GET_PRODUCT, new JsonObject().put("sku", sku)).getString("price"))
          .as("price %s", price).isEqualTo(expected);
    }
  }

  @Test
  @DisplayName("bad admin input is a 400 and stores nothing: unknown fields, sub-cent prices, negative stock")
  void badAdd() throws Exception {
    String sku = sku();
    JsonObject base = new JsonObject().put("sku", sku).put("name", "Bad").put("price", "1.00");
    assertThat(failure(InventoryAddresses.ADD_PRODUCT, base.copy().put("reserved", 5))).isEqualTo(400);
    assertThat(failure(InventoryAddresses.ADD_PRODUCT, base.copy().put("price", "0.105"))).isEqualTo(400);
    assertThat(failure(InventoryAddresses.ADD_PRODUCT, base.copy().put("price", "-1"))).isEqualTo(400);
    assertThat(failure(InventoryAddresses.ADD_PRODUCT, base.copy().put("stock", -1))).isEqualTo(400);
    assertThat(failure(InventoryAddresses.ADD_PRODUCT, base.copy().put("name", ""))).isEqualTo(400);
    assertThat(failure(InventoryAddresses.ADD_PRODUCT, base.copy().put("sku", "lower"))).isEqualTo(400);
    assertThat(failure(InventoryAddresses.GET_PRODUCT, new JsonObject().put("sku", sku))).isEqualTo(404);
  }

  @Test
  @DisplayName("restock is idempotent by request id, also when the duplicates race; a reused id with other terms is a 409")
  void restockIdempotent() throws Exception {
    String sku = sku();
    request(InventoryAddresses.ADD_PRODUCT, new JsonObject().put("sku", sku).put("name", "R").put("price", "2.00").put("stock", 5));
    JsonObject restock = new JsonObject().put("requestId", "req-" + sku).put("sku", sku).put("quantity", 7);

    JsonObject first = request(InventoryAddresses.RESTOCK, restock);
    assertThat(first.getInteger("onHand")).isEqualTo(12);
    assertThat(request(InventoryAddresses.RESTOCK, restock)).isEqualTo(first); // the first outcome again

    // twenty copies of another request, all at once: applied exactly once
    JsonObject racing = restock.copy().put("requestId", "race-" + sku).put("quantity", 3);
    List<Future<JsonObject>> copies = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      copies.add(inventory.vertx().eventBus().<JsonObject>request(InventoryAddresses.RESTOCK, racing).map(m -> m.body()));
    }
    await(Future.all(copies));
    assertThat(copies).allSatisfy(f -> assertThat(f.result().getInteger("onHand")).isEqualTo(15));
    assertThat(onHand(sku)).isEqualTo(15);

    assertThat(failure(InventoryAddresses.RESTOCK, restock.copy().put("quantity", 8))).isEqualTo(409);
    assertThat(onHand(sku)).isEqualTo(15);
  }

  @Test
  @DisplayName("a restock of an unknown product is a 404 that leaves its request id unused")
  void restockUnknown() throws Exception {
    String sku = sku();
    JsonObject restock = new JsonObject().put("requestId", "early-" + sku).put("sku", sku).put("quantity", 4);
    assertThat(failure(InventoryAddresses.RESTOCK, restock)).isEqualTo(404);
    request(InventoryAddresses.ADD_PRODUCT, new JsonObject().put("sku", sku).put("name", "Late").put("price", "1.00"));
    assertThat(request(InventoryAddresses.RESTOCK, restock).getInteger("onHand")).isEqualTo(4);
    assertThat(failure(InventoryAddresses.RESTOCK, restock.copy().put("quantity", 0))).isEqualTo(400);
    assertThat(failure(InventoryAddresses.RESTOCK, restock.copy().put("quantity", 100_001))).isEqualTo(400);
  }

  @Test
  @DisplayName("the service answers its health on inventory.health, with its database")
  void health() throws Exception {
    JsonObject health = request(InventoryAddresses.HEALTH, new JsonObject());
    assertThat(health.getString("outcome")).isEqualTo("UP");
    assertThat(health.getJsonArray("checks").getJsonObject(0).getString("id")).isEqualTo("database");
  }

  @Test
  @DisplayName("each change of what a shopper sees (added, restocked, reserved, released; not shipped) raises the product's version and writes"
      + " catalog.changed with its new state after the snapshot's position; the snapshot holds every product at its version")
  void catalogChanges() throws Exception {
    String sku = sku();
    JsonObject snapshot = request(InventoryAddresses.CATALOG, new JsonObject());
    assertThat(snapshot.getJsonArray("products").size()).isGreaterThanOrEqualTo(21);
    request(InventoryAddresses.ADD_PRODUCT, new JsonObject().put("sku", sku).put("name", "Versioned").put("price", "1.00").put("stock", 10));
    request(InventoryAddresses.RESTOCK, new JsonObject().put("requestId", "v-" + sku).put("sku", sku).put("quantity", 5));
    String orderId = java.util.UUID.randomUUID().toString();
    JsonArray lines = new JsonArray().add(new JsonObject().put("sku", sku).put("quantity", 4));
    request(InventoryAddresses.RESERVE, new JsonObject().put("orderId", orderId).put("lines", lines));
    request(InventoryAddresses.SHIP, new JsonObject().put("orderId", orderId)); // on hand and reserved both down: available stays
    String other = java.util.UUID.randomUUID().toString();
    request(InventoryAddresses.RESERVE, new JsonObject().put("orderId", other).put("lines", lines));
    request(InventoryAddresses.RELEASE, new JsonObject().put("orderId", other));

    List<CatalogEntry> changes = new ArrayList<>();
    for (Object o : request(EventLogAddresses.read(InventoryAddresses.SERVICE), new JsonObject()
        .put("afterTx", snapshot.getLong("afterTx")).put("afterPosition", snapshot.getLong("afterPosition")).put("limit", 1000))
        .getJsonArray("events")) {
      JsonObject e = (JsonObject) o;
      if (e.getString("type").equals(CatalogEntry.CHANGED)) {
        CatalogEntry.listFromJson(e.getJsonObject("payload")).stream().filter(c -> c.product().sku().equals(sku)).forEach(changes::add);
      }
    }
    assertThat(changes).extracting(CatalogEntry::version).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(changes).extracting(c -> c.product().available()).containsExactly(10, 15, 11, 7, 11);
    CatalogEntry now = CatalogEntry.listFromJson(request(InventoryAddresses.CATALOG, new JsonObject())).stream()
        .filter(c -> c.product().sku().equals(sku)).findFirst().orElseThrow();
    assertThat(now).isEqualTo(changes.get(changes.size() - 1));
  }

  private static String sku() {
    return inventory.sku("T");
  }

  private static int onHand(String sku) throws Exception {
    return request(InventoryAddresses.GET_PRODUCT, new JsonObject().put("sku", sku)).getInteger("onHand");
  }

  private static List<String> skus(JsonObject query) throws Exception {
    return request(InventoryAddresses.LIST_PRODUCTS, query).getJsonArray("products").stream()
        .map(p -> ((JsonObject) p).getString("sku")).toList();
  }

  private static JsonObject request(String address, JsonObject body) throws Exception {
    return inventory.request(address, body);
  }

  private static int failure(String address, JsonObject body) throws Exception {
    return inventory.failureCode(address, body);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return Await.await(f);
  }
}
