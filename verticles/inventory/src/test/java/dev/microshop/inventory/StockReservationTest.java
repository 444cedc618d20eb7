package dev.microshop.inventory;

import dev.microshop.common.batch.BatchMessages;
import dev.microshop.inventory.api.InventoryAddresses;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Reserve, release and ship: all or nothing, idempotent by order id, in any order of arrival. */
class StockReservationTest {

  @RegisterExtension
  static final DeployedInventory inventory = new DeployedInventory("reservations");

  @Test
  @DisplayName("reserve holds the stock of every line and replies the catalog's prices and the total")
  void reserve() throws Exception {
    String a = product("3.10", 10);
    String b = product("0.45", 5);
    JsonObject r = reserve(order(), line(a, 2), line(b, 3));
    assertThat(r.getString("status")).isEqualTo("RESERVED");
    assertThat(r.getLong("totalCents")).isEqualTo(2 * 310 + 3 * 45);
    assertThat(r.getJsonArray("lines").getJsonObject(0).getLong("priceCents")).isEqualTo(310);
    assertStock(a, 10, 2);
    assertStock(b, 5, 3);
  }

  @Test
  @DisplayName("all or nothing: one short line rejects the order and reserves nothing; an unknown sku too")
  void allOrNothing() throws Exception {
    String a = product("1.00", 10);
    String b = product("1.00", 1);
    JsonObject r = reserve(order(), line(a, 5), line(b, 2));
    assertThat(r.getString("status")).isEqualTo("REJECTED");
    assertThat(r.getString("reason")).contains("not enough stock of " + b);
    assertStock(a, 10, 0);
    assertStock(b, 1, 0);
    assertThat(reserve(order(), line(a, 1), line("NO-SUCH-SKU", 1)).getString("reason")).contains("unknown product");
    assertStock(a, 10, 0);
  }

  @Test
  @DisplayName("a repeated reserve returns the first outcome and reserves once, also when the copies race")
  void duplicateReserve() throws Exception {
    String a = product("2.00", 10);
    String order = order();
    JsonObject first = reserve(order, line(a, 4));
    assertThat(reserve(order, line(a, 4))).isEqualTo(first);
    assertStock(a, 10, 4);

    String racing = order();
    List<Future<JsonObject>> copies = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      copies.add(sendReserve(reserveBody(racing, line(a, 3))));
    }
    await(Future.all(copies));
    assertThat(copies).allSatisfy(f -> assertThat(f.result().getString("status")).isEqualTo("RESERVED"));
    assertStock(a, 10, 7);

    // a rejection is an outcome too: repeated, it stays rejected even when stock came back
    String rejected = order();
    assertThat(reserve(rejected, line(a, 9)).getString("status")).isEqualTo("REJECTED");
    release(racing);
    assertThat(reserve(rejected, line(a, 9)).getString("status")).isEqualTo("REJECTED");
    assertStock(a, 10, 4);
  }

  @Test
  @DisplayName("release gives the stock back once; a release before the reserve blocks the late reserve")
  void releaseAndTombstone() throws Exception {
    String a = product("2.00", 10);
    String order = reserved(a, 6);
    assertRepeatable(StockReservationTest::release, order, "RELEASED");
    assertStock(a, 10, 0);
    assertThat(reserve(order, line(a, 6)).getString("status")).isEqualTo("RELEASED"); // not resurrected
    assertStock(a, 10, 0);

    String early = order();
    assertThat(release(early).getString("status")).isEqualTo("RELEASED");
    assertThat(reserve(early, line(a, 2)).getString("status")).isEqualTo("RELEASED");
    assertStock(a, 10, 0);
  }

  @Test
  @DisplayName("ship takes reserved stock out of the warehouse once; released or unknown orders can't ship, shipped can't release")
  void ship() throws Exception {
    String a = product("2.00", 10);
    String order = reserved(a, 3);
    assertRepeatable(StockReservationTest::ship, order, "SHIPPED");
    assertStock(a, 7, 0);
    assertThat(inventory.failureCode(InventoryAddresses.RELEASE, new JsonObject().put("orderId", order))).isEqualTo(409);
    assertStock(a, 7, 0);

    String released = reserved(a, 1);
    release(released);
    assertThat(inventory.failureCode(InventoryAddresses.SHIP, new JsonObject().put("orderId", released))).isEqualTo(409);
    assertThat(inventory.failureCode(InventoryAddresses.SHIP, new JsonObject().put("orderId", order()))).isEqualTo(409);
    assertStock(a, 7, 0);
  }

  @Test
  @DisplayName("concurrent orders never drive available stock below zero")
  void scarceStock() throws Exception {
    String a = product("1.00", 10);
    List<Future<JsonObject>> all = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      all.add(sendReserve(reserveBody(order(), line(a, 1 + i % 3))));
    }
    await(Future.join(all));
    int reserved = all.stream().map(Future::result).filter(r -> r.getString("status").equals("RESERVED"))
        .mapToInt(r -> r.getJsonArray("lines").getJsonObject(0).getInteger("quantity")).sum();
    assertThat(reserved).isBetween(8, 10); // at most 10; the last ones are refused only when nothing fits
    assertStock(a, 10, reserved);
    JsonObject report = await(inventory.vertx().eventBus().<JsonObject>request(InventoryAddresses.STOCK_REPORT, new JsonObject())).body();
    JsonObject row = report.getJsonArray("products").stream().map(JsonObject.class::cast)
        .filter(p -> p.getString("sku").equals(a)).findFirst().orElseThrow();
    assertThat(row.getLong("reservedByOrders")).isEqualTo(reserved);
  }

  @Test
  @DisplayName("malformed saga commands are a 400 and reserve nothing")
  void badCommands() throws Exception {
    String a = product("1.00", 10);
    String order = order();
    assertThat(inventory.failureCode(InventoryAddresses.RESERVE, reserveBody(order, line(a, 0)))).isEqualTo(400);
    assertThat(inventory.failureCode(InventoryAddresses.RESERVE, reserveBody(order, line(a, 101)))).isEqualTo(400);
    assertThat(inventory.failureCode(InventoryAddresses.RESERVE, reserveBody(order, line(a, 1), line(a, 2)))).isEqualTo(400);
    assertThat(inventory.failureCode(InventoryAddresses.RESERVE, reserveBody(order, line(a, 1).put("priceCents", 1)))).isEqualTo(400);
    assertThat(inventory.failureCode(InventoryAddresses.RESERVE, new JsonObject().put("orderId", order).put("lines", new JsonArray()))).isEqualTo(400);
    assertThat(inventory.failureCode(InventoryAddresses.GET_RESERVATION, new JsonObject().put("orderId", order))).isEqualTo(404);
    assertStock(a, 10, 0);
  }

  @Test
  @DisplayName("a batch decides each order on its own, in its order, against the stock the earlier ones left; repeats keep their first outcome")
  void batch() throws Exception {
    String a = product("1.50", 5);
    String b = product("2.00", 3);
    String before = reserved(a, 1); // asked before: its first outcome comes back, nothing reserved twice
    String first = "b-" + order(); // decided before short1, though claimed after it (by id)
    String short1 = "a-" + order();
    String second = order();
    String unknown = order();
    JsonObject answer = request(InventoryAddresses.RESERVE_ALL, new JsonObject().put("commands", new JsonArray()
        .add(reserveBody(first, line(a, 3), line(b, 1)))
        .add(reserveBody(short1, line(a, 2))) // 1 left of a after the first: rejected alone
        .add(reserveBody(before, line(a, 1)))
        .add(reserveBody(second, line(b, 2)))
        .add(reserveBody(unknown, line("NO-SUCH-SKU", 1)))
        .add(reserveBody(first, line(a, 3), line(b, 1)))) // the same order twice in one batch: once
        .put("traceparents", new JsonArray().add("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01").addNull()
            .addNull().add("00-0af7651916cd43dd8448eb211c80319d-b7ad6b7169203332-01").addNull().addNull())); // each one's trace
    JsonArray results = answer.getJsonArray("results");
    assertThat(results).hasSize(6);
    assertThat(results.stream().map(r -> ((JsonObject) r).getString("orderId")))
        .containsExactly(first, short1, before, second, unknown, first);
    assertThat(results.stream().map(r -> ((JsonObject) r).getString("status")))
        .containsExactly("RESERVED", "REJECTED", "RESERVED", "RESERVED", "REJECTED", "RESERVED");
    assertThat(results.getJsonObject(0).getLong("totalCents")).isEqualTo(3 * 150 + 200);
    assertThat(results.getJsonObject(1).getString("reason")).contains("not enough stock of " + a + " (1 available)");
    assertThat(results.getJsonObject(4).getString("reason")).contains("unknown product");
    assertStock(a, 5, 4);
    assertStock(b, 3, 3);
    // each is idempotent by its order id, alone as in a batch
    assertThat(reserve(short1, line(a, 1)).getString("status")).isEqualTo("REJECTED");
    assertThat(reserve(second, line(b, 2))).isEqualTo(results.getJsonObject(3));
    assertStock(a, 5, 4);
  }

  @Test
  @DisplayName("a batch with a bad command, or none, or too many, is refused (400) and changes nothing")
  void badBatch() throws Exception {
    String a = product("1.00", 5);
    String good = order();
    assertThat(inventory.failureCode(InventoryAddresses.RESERVE_ALL, new JsonObject().put("commands", new JsonArray()
        .add(reserveBody(good, line(a, 1))).add(reserveBody(order(), line(a, 0)))))).isEqualTo(400);
    assertThat(inventory.failureCode(InventoryAddresses.RESERVE_ALL, new JsonObject().put("commands", new JsonArray())))
        .isEqualTo(400);
    JsonArray tooMany = new JsonArray();
    for (int i = 0; i <= BatchMessages.MAX_COMMANDS; i++) {
      tooMany.add(reserveBody(order(), line(a, 1)));
    }
    assertThat(inventory.failureCode(InventoryAddresses.RESERVE_ALL, new JsonObject().put("commands", tooMany))).isEqualTo(400);
    assertThat(inventory.failureCode(InventoryAddresses.RESERVE_ALL, new JsonObject().put("commands", "all"))).isEqualTo(400);
    // each command's trace: one W3C traceparent or null per command, or the batch is refused
    JsonArray two = new JsonArray().add(reserveBody(good, line(a, 1))).add(reserveBody(order(), line(a, 1)));
    String traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    for (Object bad : List.of(new JsonArray().add(traceParent), new JsonArray().add(traceParent).add("00-trace"),
        new JsonArray().add(traceParent).add(7), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")) {
      assertThat(inventory.failureCode(InventoryAddresses.RESERVE_ALL, new JsonObject().put("commands", two).put("traceparents", bad)))
          .as("traceparents %s", bad).isEqualTo(400);
    }
    assertStock(a, 5, 0);
    assertThat(inventory.failureCode(InventoryAddresses.GET_RESERVATION, new JsonObject().put("orderId", good))).isEqualTo(404);
  }

  private static String product(String price, int stock) throws Exception {
    String sku = inventory.sku("R");
    request(InventoryAddresses.ADD_PRODUCT, new JsonObject().put("sku", sku).put("name", "P").put("price", price).put("stock", stock));
    return sku;
  }

  private static String order() {
    return UUID.randomUUID().toString();
  }

  private static JsonObject line(String sku, int quantity) {
    return new JsonObject().put("sku", sku).put("quantity", quantity);
  }

  private static JsonObject reserveBody(String orderId, JsonObject... lines) {
    return new JsonObject().put("orderId", orderId).put("lines", new JsonArray(List.of((Object[]) lines)));
  }

  private static JsonObject reserve(String orderId, JsonObject... lines) throws Exception {
    return request(InventoryAddresses.RESERVE, reserveBody(orderId, lines));
  }

  /** A new order whose reserve of {@code quantity} of {@code sku} was sent (and answered). */
  private static String reserved(String sku, int quantity) throws Exception {
    String orderId = order();
    reserve(orderId, line(sku, quantity));
    return orderId;
  }

  /** A reserve sent without waiting for its answer (the copies of a race). */
  private static Future<JsonObject> sendReserve(JsonObject body) {
    return inventory.vertx().eventBus().<JsonObject>request(InventoryAddresses.RESERVE, body).map(m -> m.body());
  }

  /** A command on one order: release or ship. */
  private interface OrderCommand {
    JsonObject send(String orderId) throws Exception;
  }

  /** {@code command} answers {@code status} for {@code orderId}, and the same again when it is repeated. */
  private static void assertRepeatable(OrderCommand command, String orderId, String status) throws Exception {
    assertThat(command.send(orderId).getString("status")).isEqualTo(status);
    assertThat(command.send(orderId).getString("status")).isEqualTo(status);
  }

  private static JsonObject release(String orderId) throws Exception {
    return request(InventoryAddresses.RELEASE, new JsonObject().put("orderId", orderId));
  }

  private static JsonObject ship(String orderId) throws Exception {
    return request(InventoryAddresses.SHIP, new JsonObject().put("orderId", orderId));
  }

  private static void assertStock(String sku, int onHand, int reserved) throws Exception {
    JsonObject p = request(InventoryAddresses.GET_PRODUCT, new JsonObject().put("sku", sku));
    assertThat(p.getInteger("onHand")).as("on hand of %s", sku).isEqualTo(onHand);
    assertThat(p.getInteger("reserved")).as("reserved of %s", sku).isEqualTo(reserved);
  }

  private static JsonObject request(String address, JsonObject body) throws Exception {
    return inventory.request(address, body);
  }
}
