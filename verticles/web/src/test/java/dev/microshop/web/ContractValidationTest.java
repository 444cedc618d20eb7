package dev.microshop.web;

import dev.microshop.common.discovery.ServiceRegistry;
import dev.microshop.customer.api.CustomerAddresses;
import dev.microshop.inventory.api.InventoryAddresses;
import dev.microshop.order.api.OrderAddresses;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;

import static dev.microshop.common.testing.Await.await;
import static dev.microshop.web.WebRequests.line;
import static dev.microshop.web.WebRequests.order;
import static dev.microshop.web.WebVerticleTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAPI contract is checked by the web verticle itself, before any service hears of a
 * request. The services behind it are fakes that record every message and accept anything, so
 * a request refused here was refused by the contract's validation and by nothing else.
 */
class ContractValidationTest {

  private static final String SECRET = "contract-test-secret-of-at-least-32-characters";
  /** Every address a route of the web verticle may send to: a fake consumer records each message. */
  private static final List<String> ADDRESSES = List.of(
      CustomerAddresses.REGISTER, CustomerAddresses.AUTHENTICATE, CustomerAddresses.GET, CustomerAddresses.SET_CREDIT_LIMIT,
      InventoryAddresses.LIST_PRODUCTS, InventoryAddresses.GET_PRODUCT, InventoryAddresses.ADD_PRODUCT, InventoryAddresses.RESTOCK,
      OrderAddresses.PLACE, OrderAddresses.GET, OrderAddresses.CANCEL, OrderAddresses.LIST);

  private static Vertx vertx;
  private static WebClient client;
  private static int port;
  private static String admin;
  private static final Queue<String> received = new ConcurrentLinkedQueue<>();

  @BeforeAll
  static void deploy() throws Exception {
    vertx = Vertx.vertx();
    for (String address : ADDRESSES) {
      // accepts anything: a request that got this far would succeed
      await(vertx.eventBus().<JsonObject>consumer(address, m -> {
        received.add(address + " " + m.body());
        m.reply(new JsonObject().put("id", "c-1").put("customerId", "c-1").put("role", "customer")
            .put("orderId", UUID.randomUUID().toString()).put("status", "PENDING").put("products", new JsonArray()));
      }).completion());
    }
    ServiceRegistry registry = new ServiceRegistry(vertx);
    for (String service : List.of(CustomerAddresses.SERVICE, InventoryAddresses.SERVICE, OrderAddresses.SERVICE)) {
      await(registry.publishEventBusService(service, service));
    }
    port = DeployedWeb.deployWeb(vertx, new JsonObject()
        .put("services", new JsonArray())
        .put("auth", new JsonObject().put("jwt-secret", SECRET)));
    client = WebClient.create(vertx);
    admin = WebRequests.jwt(vertx, SECRET)
        .generateToken(new JsonObject().put("sub", UUID.randomUUID().toString()).put("role", Auth.ADMIN),
            new JWTOptions().setIssuer("microshop").setAudience(List.of("microshop-web")).setExpiresInSeconds(600));
  }

  @AfterAll
  static void close() throws Exception {
    await(vertx.close());
  }

  @BeforeEach
  void forget() {
    received.clear();
  }

  @Test
  @DisplayName("a request that keeps the contract reaches the service behind the route (the fakes are listening)")
  void validRequestsReachTheServices() throws Exception {
    assertThat(post("/api/customers", null, null, account()).statusCode()).isEqualTo(201);
    assertThat(post("/api/orders", admin, "k-1", order(line("MUG-CLASSIC", 100))).statusCode()).isEqualTo(202);
    assertThat(get("/api/products?limit=200&offset=0&q=mug").statusCode()).isEqualTo(200);
    assertThat(received).hasSize(3);
    assertThat(received).anySatisfy(m -> assertThat(m).startsWith(CustomerAddresses.REGISTER))
        .anySatisfy(m -> assertThat(m).startsWith(OrderAddresses.PLACE))
        .anySatisfy(m -> assertThat(m).startsWith(InventoryAddresses.LIST_PRODUCTS));
  }

  @Test
  @DisplayName("a request body that breaks its schema (unknown field, wrong type, too short, missing, out of range) is a JSON 400"
      + " from the contract's validation, and no service receives anything")
  void badBodies() throws Exception {
    assertRefusedBody(post("/api/customers", null, null, account().put("role", "admin")));
    assertRefusedBody(post("/api/customers", null, null, account().put("name", 42)));
    assertRefusedBody(post("/api/customers", null, null, account().put("password", "short")));
    JsonObject noEmail = account();
    noEmail.remove("email");
    assertRefusedBody(post("/api/customers", null, null, noEmail));
    assertRefusedBody(post("/api/login", null, null, new JsonObject().put("email", "a@b.c").put("password", "x").put("admin", true)));
    assertRefusedBody(post("/api/orders", admin, "k-2", order(line("MUG-CLASSIC", 101))));
    assertRefusedBody(post("/api/orders", admin, "k-3", order(line("MUG-CLASSIC", 0))));
    assertRefusedBody(post("/api/orders", admin, "k-4", order(line("MUG-CLASSIC", "2"))));
    assertRefusedBody(post("/api/orders", admin, "k-5", order(line("mug-classic", 1))));
    assertRefusedBody(post("/api/orders", admin, "k-6", new JsonObject().put("lines", new JsonArray())));
    assertRefusedBody(post("/api/admin/products/MUG-CLASSIC/restock", admin, "r-1", new JsonObject().put("quantity", 100_001)));
    assertRefusedBody(post("/api/admin/products", admin, null, new JsonObject()
        .put("sku", "NEW-ONE").put("name", "New").put("price", "12.999")));
    assertRefusedBody(post("/api/admin/products", admin, null, new JsonObject()
        .put("sku", "NEW-ONE").put("name", "New").put("price", "1.00").put("stock", -1)));
    assertRefusedBody(send(client.put(port, "127.0.0.1", "/api/admin/customers/c-1/credit-limit").bearerTokenAuthentication(admin),
        new JsonObject().put("creditLimit", "lots")));
    assertThat(received).as("messages that reached a service").isEmpty();
  }

  @Test
  @DisplayName("a missing or malformed header, query or path parameter is a JSON 400 from the contract's validation,"
      + " and no service receives anything")
  void badParameters() throws Exception {
    assertRefused(post("/api/orders", admin, null, order(line("MUG-CLASSIC", 1))),
        "The related request / response does not contain the required header parameter Idempotency-Key");
    assertRefused(post("/api/orders", admin, "a key with spaces", order(line("MUG-CLASSIC", 1))),
        "The value of header parameter Idempotency-Key is invalid");
    assertRefused(post("/api/admin/products/MUG-CLASSIC/restock", admin, "key!", new JsonObject().put("quantity", 1)),
        "The value of header parameter Idempotency-Key is invalid");
    assertRefused(get("/api/products?limit=201"), "The value of query parameter limit is invalid");
    assertRefused(get("/api/products?offset=-1"), "The value of query parameter offset is invalid");
    assertRefused(get("/api/products?q=" + "x".repeat(101)), "The value of query parameter q is invalid");
    assertRefused(get("/api/products/mug-classic"), "The value of path parameter sku is invalid");
    assertRefused(await(client.get(port, "127.0.0.1", "/api/admin/orders?status=LOST").bearerTokenAuthentication(admin).send()),
        "The value of query parameter status is invalid");
    assertThat(received).as("messages that reached a service").isEmpty();
  }

  @Test
  @DisplayName("a string parameter is validated as the string the route reads: a search for 1.5, -20, [1] or 50%, an"
      + " Idempotency-Key of k+1 or 50%, an order id of 12.5 reach their service verbatim (the library's own extraction: 400s, and a 500 for 50%)")
  void stringParametersAreValidatedVerbatim() throws Exception {
    SoftAssertions soft = new SoftAssertions();
    for (String q : List.of("1.5", "-20", "[1]", "50%", "{\"x\":1}")) {
      received.clear();
      HttpResponse<Buffer> res = await(client.get(port, "127.0.0.1", "/api/products").addQueryParam("q", q).send());
      soft.assertThat(res.statusCode()).as("search for %s: %s", q, res.bodyAsString()).isEqualTo(200);
      soft.assertThat(received.stream().map(m -> new JsonObject(m.substring(m.indexOf(' ') + 1)).getString("q")))
          .as("the search for %s forwarded", q).containsExactly(q);
    }
    for (String key : List.of("k+1", "50%", "1.5")) {
      HttpResponse<Buffer> res = post("/api/orders", admin, key, order(line("MUG-CLASSIC", 1)));
      soft.assertThat(res.statusCode()).as("Idempotency-Key %s: %s", key, res.bodyAsString()).isEqualTo(202);
    }
    HttpResponse<Buffer> numeric = await(client.get(port, "127.0.0.1", "/api/orders/12.5").bearerTokenAuthentication(admin).send());
    soft.assertThat(numeric.statusCode()).as("an order id that reads as a number: %s", numeric.bodyAsString()).isEqualTo(200);
    soft.assertAll();
  }

  /** A 400 whose message is the validator's own account of a body that breaks its schema. */
  private static void assertRefusedBody(HttpResponse<Buffer> res) {
    assertRefused(res, "The value of the request body is invalid");
  }

  private static void assertRefused(HttpResponse<Buffer> res, String validatorSays) {
    assertError(res, 400, "bad_request");
    assertThat(res.bodyAsJsonObject().getString("message")).startsWith(validatorSays);
  }

  private static JsonObject account() {
    return new JsonObject().put("name", "Val").put("email", "val-" + UUID.randomUUID() + "@example.com")
        .put("password", "correct horse");
  }

  private static HttpResponse<Buffer> get(String path) throws Exception {
    return await(client.get(port, "127.0.0.1", path).send());
  }

  private static HttpResponse<Buffer> post(String path, String token, String idempotencyKey, JsonObject body) throws Exception {
    return send(WebRequests.with(client.post(port, "127.0.0.1", path), token, idempotencyKey), body);
  }

  private static HttpResponse<Buffer> send(HttpRequest<Buffer> req, JsonObject body) throws Exception {
    return WebRequests.send(req, body.toBuffer());
  }
}
