package dev.microshop.web;

import dev.microshop.common.db.EmbeddedPostgresServer;
import dev.microshop.shipping.api.ShippingAddresses;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Base64;
import java.util.List;
import java.util.UUID;

import static dev.microshop.common.testing.Await.await;
import static dev.microshop.web.WebRequests.line;
import static dev.microshop.web.WebRequests.order;
import static dev.microshop.web.WebRequests.send;
import static dev.microshop.web.WebRequests.with;
import static dev.microshop.web.WebVerticleTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/** The HTTP contract of accounts, orders and admin routes, on the whole shop. */
class OrderApiTest {

  private static final String SECRET = "test-secret-of-at-least-thirty-two-bytes-long";
  @RegisterExtension
  static final DeployedWeb web = DeployedWeb.withWholeShop("api", SECRET);

  @Test
  @DisplayName("register → 201, log in → a JWT, /api/me → credit limit and available credit")
  void account() throws Exception {
    String email = email();
    HttpResponse<Buffer> created = post("/api/customers", null, account("Ada", email));
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.bodyAsJsonObject().getString("creditLimit")).isEqualTo("100.00");
    assertThat(created.bodyAsString()).doesNotContain("password");
    assertError(post("/api/customers", null, account("Ada", email.toUpperCase())), 409, "conflict");

    String token = login(email);
    assertThat(token.split("\\.")).hasSize(3);
    JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(token.split("\\.")[1])));
    assertThat(claims.fieldNames()).contains("exp", "iss", "aud", "sub");
    HttpResponse<Buffer> me = get("/api/me", token);
    assertThat(me.statusCode()).isEqualTo(200);
    assertThat(me.bodyAsJsonObject().getString("availableCredit")).isEqualTo("100.00");
    assertThat(me.bodyAsJsonObject().getString("email")).isEqualTo(email);
  }

  @Test
  @DisplayName("bad account input: extra fields, malformed or oversized JSON → JSON 4xx; a wrong password → 401")
  void badAccountInput() throws Exception {
    String email = email();
    assertError(post("/api/customers", null, account("Eve", email).put("creditLimit", "1000000")), 400, "bad_request");
    assertError(post("/api/customers", null, account("Eve", email).put("role", "admin")), 400, "bad_request");
    assertError(post("/api/customers", null, account("Eve", email).put("name", 42)), 400, "bad_request");
    assertError(send(web.client().post(web.port(), "127.0.0.1", "/api/customers"), Buffer.buffer("{\"name\": ")), 400, "bad_request");
    assertError(send(web.client().post(web.port(), "127.0.0.1", "/api/customers"), Buffer.buffer("[1,2]")), 400, "bad_request");
    String big = "x".repeat(70_000);
    assertError(post("/api/customers", null, account(big, email)), 413, "too_large");
    assertError(post("/api/login", null, new JsonObject().put("email", email).put("password", "whatever1")), 401, "unauthorized");
    post("/api/customers", null, account("Eve", email));
    assertError(post("/api/login", null, new JsonObject().put("email", email).put("password", "wrong password")), 401, "unauthorized");
  }

  @Test
  @DisplayName("tokens: none, garbage, another key, another issuer or audience, expired, alg none or without exp → 401")
  void tokens() throws Exception {
    assertError(get("/api/me", null), 401, "unauthorized");
    assertError(get("/api/me", "garbage"), 401, "unauthorized");
    String sub = UUID.randomUUID().toString();
    JsonObject claims = new JsonObject().put("sub", sub).put("role", "customer");
    JWTOptions good = new JWTOptions().setIssuer("microshop").setAudience(List.of("microshop-web")).setExpiresInSeconds(60);
    assertError(get("/api/me", jwt("another-secret-of-at-least-thirty-two-bytes").generateToken(claims.copy(), good)), 401, "unauthorized");
    assertError(get("/api/me", jwt(SECRET).generateToken(claims.copy(), new JWTOptions(good).setIssuer("evil"))), 401, "unauthorized");
    assertError(get("/api/me", jwt(SECRET).generateToken(claims.copy(), new JWTOptions(good).setAudience(List.of("other")))), 401, "unauthorized");
    assertError(get("/api/me", jwt(SECRET).generateToken(claims.copy().put("exp", System.currentTimeMillis() / 1000 - 120),
        new JWTOptions().setIssuer("microshop").setAudience(List.of("microshop-web")))), 401, "unauthorized");
    // (sign() adds its claims to the object it is given: each token gets a fresh copy)
    String noExp = jwt(SECRET).generateToken(claims.copy(), new JWTOptions().setIssuer("microshop").setAudience(List.of("microshop-web")));
    assertThat(new String(Base64.getUrlDecoder().decode(noExp.split("\\.")[1]))).doesNotContain("exp");
    assertError(get("/api/me", noExp), 401, "unauthorized");
    String header = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes());
    String body = Base64.getUrlEncoder().withoutPadding().encodeToString(claims.copy()
        .put("iss", "microshop").put("aud", "microshop-web").put("exp", System.currentTimeMillis() / 1000 + 60).encode().getBytes());
    assertError(get("/api/me", header + "." + body + "."), 401, "unauthorized");
  }

  @Test
  @DisplayName("place an order: 202 at once, then APPROVED at the inventory's prices; /api/me shows the credit held")
  void placeAndRead() throws Exception {
    String token = newCustomer();
    HttpResponse<Buffer> placed = post("/api/orders", token, order(line("MUG-CLASSIC", 2)), "k-1");
    assertThat(placed.statusCode()).isEqualTo(202);
    String id = placed.bodyAsJsonObject().getString("orderId");
    assertThat(placed.getHeader("Location")).isEqualTo("/api/orders/" + id);
    assertThat(placed.bodyAsJsonObject().getString("status")).isEqualTo("PENDING");
    JsonObject order = settled(id, token);
    assertThat(order.getString("status")).isEqualTo("APPROVED");
    assertThat(order.getString("total")).isEqualTo("25.80");
    assertThat(get("/api/me", token).bodyAsJsonObject().getString("availableCredit")).isEqualTo("74.20");
    // the history view follows from events: it shows the order a moment later, with its timeline
    long deadline = System.currentTimeMillis() + 10_000;
    JsonArray mine;
    do {
      Thread.sleep(50);
      mine = get("/api/orders", token).bodyAsJsonObject().getJsonArray("orders");
    } while ((mine.isEmpty() || !mine.getJsonObject(0).getString("status").equals("APPROVED"))
        && System.currentTimeMillis() < deadline);
    assertThat(mine).hasSize(1);
    assertThat(mine.getJsonObject(0).getString("orderId")).isEqualTo(id);
    assertThat(mine.getJsonObject(0).getJsonArray("timeline").size()).isEqualTo(4);
  }

  @Test
  @DisplayName("a delivery address: trimmed and checked, stored with the order, carried by its events to the shipment and the history; bad ones → 400, nothing stored; another address under the same key → 422")
  void deliveryAddress() throws Exception {
    String token = newCustomer();
    JsonObject address = new JsonObject().put("name", " Ada Lovelace ").put("street", "12 St James's Square")
        .put("postcode", "SW1Y 4JH").put("city", "London").put("country", "gb");
    JsonObject expected = new JsonObject().put("name", "Ada Lovelace").put("street", "12 St James's Square")
        .put("postcode", "SW1Y 4JH").put("city", "London").put("country", "GB");
    for (JsonObject bad : List.of(address.copy().put("country", "XX"), address.copy().put("country", "GBR"),
        address.copy().put("postcode", "12#45"), address.copy().put("name", "Ada\nLovelace"), address.copy().put("name", "   "),
        address.copy().put("street", "x".repeat(201)), address.copy().put("floor", "2"), address.copy().putNull("city"))) {
      HttpResponse<Buffer> refused = post("/api/orders", token, order(line("MUG-CLASSIC", 1)).put("address", bad), "bad-address");
      assertError(refused, 400, "bad_request");
    }
    assertThat(ordersOf(token)).isEmpty();

    JsonObject body = order(line("MUG-CLASSIC", 1)).put("address", address);
    String id = post("/api/orders", token, body, "addr-1").bodyAsJsonObject().getString("orderId");
    assertThat(settled(id, token).getJsonObject("address")).isEqualTo(expected);
    assertError(post("/api/orders", token, order(line("MUG-CLASSIC", 1)).put("address", address.copy().put("city", "Paris")),
        "addr-1"), 422, "rejected");
    assertThat(post("/api/orders", token, body, "addr-1").bodyAsJsonObject().getString("orderId")).isEqualTo(id);
    // through its events: the shipment (created at approval) and the history view
    long deadline = System.currentTimeMillis() + 10_000;
    JsonObject shipment = null;
    while (shipment == null && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
      shipment = await(web.vertx().eventBus().<JsonObject>request(ShippingAddresses.GET, new JsonObject().put("orderId", id))
          .map(m -> m.body()).otherwiseEmpty());
    }
    assertThat(shipment).as("the shipment of order %s", id).isNotNull();
    assertThat(shipment.getJsonObject("address")).isEqualTo(expected);
    JsonObject listed;
    do {
      Thread.sleep(50);
      JsonArray mine = get("/api/orders", token).bodyAsJsonObject().getJsonArray("orders");
      listed = mine.isEmpty() ? new JsonObject() : mine.getJsonObject(0);
    } while (!listed.containsKey("address") && System.currentTimeMillis() < deadline);
    assertThat(listed.getJsonObject("address")).isEqualTo(expected);
  }

  @Test
  @DisplayName("Idempotency-Key: required; same key and body → same order and answer; other body → 422; per customer")
  void idempotencyKey() throws Exception {
    String token = newCustomer();
    assertError(post("/api/orders", token, order(line("PEN-GEL-3", 1)), null), 400, "bad_request");
    JsonObject body = order(line("PEN-GEL-3", 1));
    HttpResponse<Buffer> first = post("/api/orders", token, body, "same");
    HttpResponse<Buffer> again = post("/api/orders", token, body, "same");
    assertThat(again.statusCode()).isEqualTo(first.statusCode()).isEqualTo(202);
    assertThat(again.bodyAsJsonObject()).isEqualTo(first.bodyAsJsonObject());
    assertError(post("/api/orders", token, order(line("PEN-GEL-3", 2)), "same"), 422, "rejected");
    HttpResponse<Buffer> other = post("/api/orders", newCustomer(), body, "same");
    assertThat(other.bodyAsJsonObject().getString("orderId")).isNotEqualTo(first.bodyAsJsonObject().getString("orderId"));
    assertThat(ordersOf(token)).hasSize(1);
  }

  @Test
  @DisplayName("mass assignment and bad lines → 400 and nothing stored: price, total, status, owner, quantities, too many lines")
  void badOrders() throws Exception {
    String token = newCustomer();
    assertError(post("/api/orders", token, order(line("MUG-CLASSIC", 1).put("price", "0.01")), "b1"), 400, "bad_request");
    for (String field : List.of("total", "status", "customerId", "owner", "creditLimit")) {
      assertError(post("/api/orders", token, order(line("MUG-CLASSIC", 1)).put(field, "x"), "b-" + field), 400, "bad_request");
    }
    assertError(post("/api/orders", token, order(line("MUG-CLASSIC", 0)), "b2"), 400, "bad_request");
    assertError(post("/api/orders", token, order(line("MUG-CLASSIC", 101)), "b3"), 400, "bad_request");
    assertError(post("/api/orders", token, order(line("MUG-CLASSIC", "2")), "b4"), 400, "bad_request");
    JsonObject[] many = new JsonObject[51];
    for (int i = 0; i < many.length; i++) {
      many[i] = line("SKU-" + i, 1);
    }
    assertError(post("/api/orders", token, order(many), "b5"), 400, "bad_request");
    assertError(send(web.client().post(web.port(), "127.0.0.1", "/api/orders").bearerTokenAuthentication(token)
        .putHeader("Idempotency-Key", "b6"), Buffer.buffer("{\"lines\": [")), 400, "bad_request");
    assertThat(ordersOf(token)).isEmpty();
  }

  /** The customer's orders as the order service has them (no lag), through the admin route. */
  private static List<Object> ordersOf(String token) throws Exception {
    String customerId = get("/api/me", token).bodyAsJsonObject().getString("id");
    String admin = loginAs("admin@microshop.local", "microshop-admin-dev");
    return get("/api/admin/orders", admin).bodyAsJsonObject().getJsonArray("orders").stream()
        .filter(o -> ((JsonObject) o).getString("customerId").equals(customerId)).toList();
  }

  @Test
  @DisplayName("another customer's order is a 404 on get and cancel; its owner cancels it and gets the credit back")
  void ownership() throws Exception {
    String owner = newCustomer();
    String id = placeSettled(owner, "NOTEBOOK-A5", "o-1");
    String stranger = newCustomer();
    assertError(get("/api/orders/" + id, stranger), 404, "not_found");
    assertError(post("/api/orders/" + id + "/cancel", stranger, new JsonObject(), null), 404, "not_found");
    assertError(get("/api/orders/" + UUID.randomUUID(), owner), 404, "not_found");
    assertError(get("/api/orders/not-a-uuid", owner), 404, "not_found");

    HttpResponse<Buffer> cancelled = post("/api/orders/" + id + "/cancel", owner, new JsonObject(), null);
    assertThat(cancelled.statusCode()).isEqualTo(200);
    assertThat(cancelled.bodyAsJsonObject().getString("status")).isEqualTo("CANCELLED");
    assertThat(get("/api/me", owner).bodyAsJsonObject().getString("availableCredit")).isEqualTo("100.00");
  }

  @Test
  @DisplayName("admin routes: 403 for a customer; the administrator restocks (idempotently) and sets credit limits")
  void admin() throws Exception {
    String customer = newCustomer();
    assertError(post("/api/admin/products/MUG-TRAVEL/restock", customer, new JsonObject().put("quantity", 1), "r"), 403, "forbidden");
    String admin = loginAs("admin@microshop.local", "microshop-admin-dev");
    HttpResponse<Buffer> first = post("/api/admin/products/MUG-TRAVEL/restock", admin, new JsonObject().put("quantity", 5), "r-1");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(post("/api/admin/products/MUG-TRAVEL/restock", admin, new JsonObject().put("quantity", 5), "r-1").bodyAsJsonObject())
        .isEqualTo(first.bodyAsJsonObject());
    String customerId = get("/api/me", customer).bodyAsJsonObject().getString("id");
    HttpResponse<Buffer> limit = send(web.client().put(web.port(), "127.0.0.1", "/api/admin/customers/" + customerId + "/credit-limit")
        .bearerTokenAuthentication(admin), new JsonObject().put("creditLimit", "250.00").toBuffer());
    assertThat(limit.statusCode()).isEqualTo(200);
    assertThat(get("/api/me", customer).bodyAsJsonObject().getString("creditLimit")).isEqualTo("250.00");
    HttpResponse<Buffer> added = post("/api/admin/products", admin, new JsonObject().put("sku", "ADMIN-ADDED-1")
        .put("name", "Added").put("price", "9.99").put("stock", 4), null);
    assertThat(added.statusCode()).isEqualTo(201);
    assertThat(get("/api/products/ADMIN-ADDED-1", null).bodyAsJsonObject().getInteger("available")).isEqualTo(4);

    // the audit trail: each action once (the repeated restock changed nothing and recorded nothing), with its actor
    assertError(get("/api/admin/audit", customer), 403, "forbidden");
    HttpResponse<Buffer> audit = get("/api/admin/audit", admin);
    assertThat(audit.statusCode()).isEqualTo(200);
    assertThat(audit.bodyAsJsonObject().getJsonArray("unavailable")).isEmpty();
    List<JsonObject> entries = audit.bodyAsJsonObject().getJsonArray("entries").stream().map(JsonObject.class::cast).toList();
    String adminId = get("/api/me", admin).bodyAsJsonObject().getString("id");
    JsonObject productAdded = only(entries, "product-added", "ADMIN-ADDED-1");
    assertThat(productAdded.getString("service")).isEqualTo("inventory");
    assertThat(productAdded.getJsonObject("change")).isEqualTo(new JsonObject().put("name", "Added").put("price", "9.99").put("stock", 4));
    JsonObject restocked = only(entries, "restocked", "MUG-TRAVEL");
    assertThat(restocked.getJsonObject("change").getInteger("quantity")).isEqualTo(5);
    assertThat(restocked.getJsonObject("change").getString("requestId")).isEqualTo("r-1");
    JsonObject limitSet = only(entries, "credit-limit-set", customerId);
    assertThat(limitSet.getString("service")).isEqualTo("customer");
    assertThat(limitSet.getJsonObject("change").getString("creditLimit")).isEqualTo("250.00");
    for (JsonObject e : List.of(productAdded, restocked, limitSet)) {
      assertThat(e.getString("actor")).isEqualTo(adminId);
      assertThat(e.getString("actorEmail")).isEqualTo("admin@microshop.local");
      assertThat(java.time.Instant.parse(e.getString("at"))).isBefore(java.time.Instant.now());
    }
    assertThat(entries).extracting(e -> e.getString("at")).isSortedAccordingTo(java.util.Comparator.reverseOrder());
  }

  /** The one audit entry of {@code action} on {@code target}. */
  private static JsonObject only(List<JsonObject> entries, String action, String target) {
    List<JsonObject> found = entries.stream()
        .filter(e -> e.getString("action").equals(action) && e.getString("target").equals(target)).toList();
    assertThat(found).as("audit entries %s %s", action, target).hasSize(1);
    return found.get(0);
  }

  @Test
  @DisplayName("POST /api/admin/history/rebuild: 403 for a customer; for the administrator 202, and a history broken in its database is rebuilt from the events")
  void rebuildHistory() throws Exception {
    String token = newCustomer();
    String id = placeSettled(token, "NOTEBOOK-A5", "rebuild-1");
    long deadline = System.currentTimeMillis() + 10_000;
    JsonArray before;
    do {
      Thread.sleep(50);
      before = get("/api/orders", token).bodyAsJsonObject().getJsonArray("orders");
      // the shipment too (PREPARING: the courier waits a minute here), or it may only show after the rebuild
    } while ((before.isEmpty() || before.getJsonObject(0).getJsonArray("timeline").size() < 4
        || !before.getJsonObject(0).containsKey("shipment")) && System.currentTimeMillis() < deadline);
    assertThat(before).hasSize(1);
    assertThat(before.getJsonObject(0).getString("status")).isEqualTo("APPROVED");
    assertThat(before.getJsonObject(0).getJsonArray("timeline")).hasSize(4);

    // break the customer's history in the history database, as a bug or a lost write would; its readers are past these events
    int pgPort = EmbeddedPostgresServer.acquire(web.dataDir().toString(), 0).port();
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://localhost:" + pgPort + "/history", "postgres", "");
         java.sql.Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE history_order SET status = 'BROKEN' WHERE order_id = '" + UUID.fromString(id) + "'");
      s.executeUpdate("DELETE FROM history_timeline WHERE order_id = '" + UUID.fromString(id) + "'");
    }
    assertThat(get("/api/orders", token).bodyAsJsonObject().getJsonArray("orders").getJsonObject(0).getString("status"))
        .isEqualTo("BROKEN");

    assertError(await(web.client().post(web.port(), "127.0.0.1", "/api/admin/history/rebuild").bearerTokenAuthentication(token).send()),
        403, "forbidden");
    assertThat(get("/api/orders", token).bodyAsJsonObject().getJsonArray("orders").getJsonObject(0).getString("status"))
        .as("a customer's request rebuilds nothing").isEqualTo("BROKEN");
    String admin = loginAs("admin@microshop.local", "microshop-admin-dev");
    HttpResponse<Buffer> accepted = await(web.client().post(web.port(), "127.0.0.1", "/api/admin/history/rebuild")
        .bearerTokenAuthentication(admin).send());
    assertThat(accepted.statusCode()).isEqualTo(202);
    assertThat(accepted.bodyAsJsonObject().getBoolean("rebuilding")).isTrue();
    assertThat(get("/api/admin/audit", admin).bodyAsJsonObject().getJsonArray("entries").stream().map(JsonObject.class::cast)
        .filter(e -> e.getString("action").equals("history-rebuilt")))
        .as("the rebuild in the audit trail, with its actor").isNotEmpty()
        .allSatisfy(e -> assertThat(e.getString("actorEmail")).isEqualTo("admin@microshop.local"));
    deadline = System.currentTimeMillis() + 20_000;
    JsonArray after;
    do {
      Thread.sleep(50);
      after = get("/api/orders", token).bodyAsJsonObject().getJsonArray("orders");
    } while (!after.equals(before) && System.currentTimeMillis() < deadline);
    assertThat(after).as("the customer's history, rebuilt").isEqualTo(before);
  }

  @Test
  @DisplayName("login is throttled: after five failed attempts for an email, a 429 with Retry-After, even with the right password")
  void loginThrottle() throws Exception {
    String email = email();
    post("/api/customers", null, account("T", email));
    for (int i = 0; i < 5; i++) {
      assertError(post("/api/login", null, new JsonObject().put("email", email).put("password", "wrong password")), 401, "unauthorized");
    }
    HttpResponse<Buffer> throttled = post("/api/login", null, new JsonObject().put("email", email).put("password", "correct horse"));
    assertError(throttled, 429, "too_many_requests");
    assertThat(Integer.parseInt(throttled.getHeader("Retry-After"))).isBetween(1, 60);
  }

  @Test
  @DisplayName("the live order stream: its owner gets the order as server-sent events; anyone else a 404")
  void orderEvents() throws Exception {
    String owner = newCustomer();
    String id = placeOne(owner, "PEN-GEL-3", "sse-1");
    assertError(get("/api/orders/" + id + "/events", newCustomer()), 404, "not_found");
    assertError(get("/api/orders/" + id + "/events", null), 401, "unauthorized");

    StringBuilder received = new StringBuilder();
    io.vertx.core.http.HttpClient http = web.vertx().createHttpClient();
    io.vertx.core.Promise<Void> approved = io.vertx.core.Promise.promise();
    openStream(http, web.port(), id, owner, res -> {
          assertThat(res.getHeader("Content-Type")).startsWith("text/event-stream");
          res.handler(chunk -> {
            received.append(chunk.toString());
            if (received.toString().contains("\"status\":\"APPROVED\"")) {
              approved.tryComplete();
            }
          });
          return io.vertx.core.Future.succeededFuture();
        })
        .onFailure(approved::tryFail);
    await(approved.future());
    assertThat(received.toString()).contains("event: order\ndata: {").contains("\"orderId\":\"" + id + "\"");
    await(http.close());
  }

  @Test
  @DisplayName("the live order streams read the orders again at most every 50 ms, however many wake-ups the order service sends")
  void orderStreamWakeUpsCoalesced() throws Exception {
    String owner = newCustomer();
    String id = placeSettled(owner, "PEN-GEL-3", "sse-burst");
    io.vertx.core.http.HttpClient http = web.vertx().createHttpClient();
    io.vertx.core.Promise<Void> opened = io.vertx.core.Promise.promise();
    openStream(http, web.port(), id, owner, res -> io.vertx.core.Future.succeededFuture(res.handler(chunk -> opened.tryComplete())))
        .onFailure(opened::tryFail);
    await(opened.future());

    java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
    io.vertx.core.Handler<io.vertx.core.eventbus.DeliveryContext<Object>> counter = dc -> {
      if (dc.message().address().equals(dev.microshop.order.api.OrderAddresses.GET)
          && dc.message().body() instanceof JsonObject q && id.equals(q.getString("orderId"))) {
        reads.incrementAndGet();
      }
      dc.next();
    };
    web.vertx().eventBus().addOutboundInterceptor(counter);
    try {
      long start = System.nanoTime();
      for (int i = 0; i < 500; i++) { // a burst of wake-ups, as 500 order transactions would send
        web.vertx().eventBus().publish(dev.microshop.common.eventlog.EventLogAddresses.notify("order"), null);
      }
      // then a steady flow for 500 ms, one every 2 ms: each would make a read of its own without the spacing
      long flow = web.vertx().setPeriodic(2, t ->
          web.vertx().eventBus().publish(dev.microshop.common.eventlog.EventLogAddresses.notify("order"), null));
      Thread.sleep(500);
      web.vertx().cancelTimer(flow);
      long elapsedMs = (System.nanoTime() - start) / 1_000_000;
      // one stream open: one read per refresh, refreshes at least MIN_SPACING_MS apart (+ the first)
      assertThat(reads.get()).isBetween(1, (int) (elapsedMs / OrderStreams.MIN_SPACING_MS) + 2);
    } finally {
      web.vertx().eventBus().removeOutboundInterceptor(counter);
      await(http.close());
    }
  }

  @Test
  @DisplayName("live order streams are bounded: a 6th of one customer and one over the server's most get 429; closing one frees its slot")
  void orderStreamsBounded() throws Exception {
    WebVerticle small = new WebVerticle(); // a second web of this shop with a low overall bound
    String deployment = await(web.vertx().deployVerticle(small, new DeploymentOptions().setConfig(new JsonObject()
        .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1"))
        .put("auth", new JsonObject().put("jwt-secret", SECRET))
        .put("streams", new JsonObject().put("per-customer", 5).put("max", 7)))));
    io.vertx.core.http.HttpClient http = web.vertx().createHttpClient(new io.vertx.core.http.HttpClientOptions(),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(20));
    try {
      String owner = newCustomer();
      String id = placeOne(owner, "PEN-GEL-3", "sse-bound-1");
      List<Opened> mine = new java.util.ArrayList<>();
      for (int i = 0; i < 5; i++) {
        mine.add(await(open(http, small.port(), id, owner)));
        assertThat(mine.get(i).status()).isEqualTo(200);
      }
      Opened sixth = await(open(http, small.port(), id, owner));
      assertThat(sixth.status()).isEqualTo(429);
      assertThat(sixth.refusal().getString("error")).isEqualTo("too_many_requests");
      assertThat(sixth.refusal().getString("message")).contains("at most 5 live order streams per customer");

      // another customer takes the server's last two slots; the next stream is over its most
      String other = newCustomer();
      String otherId = placeOne(other, "PEN-GEL-3", "sse-bound-2");
      assertThat(await(open(http, small.port(), otherId, other)).status()).isEqualTo(200);
      assertThat(await(open(http, small.port(), otherId, other)).status()).isEqualTo(200);
      Opened over = await(open(http, small.port(), otherId, other));
      assertThat(over.status()).isEqualTo(429);
      assertThat(over.refusal().getString("message")).contains("7 live order streams open");

      // the owner closes one stream: its slot is free again (once the server saw the close)
      await(mine.get(0).response().request().connection().close());
      long deadline = System.currentTimeMillis() + 5_000;
      Opened again;
      while ((again = await(open(http, small.port(), id, owner))).status() == 429) {
        assertThat(System.currentTimeMillis()).as("a closed stream's slot is given back").isLessThan(deadline);
        Thread.sleep(50);
      }
      assertThat(again.status()).isEqualTo(200);
      // and the first web, with the default bounds, never saw these streams
      assertThat(await(open(http, web.port(), id, owner)).status()).isEqualTo(200);
    } finally {
      await(http.close());
      await(web.vertx().undeploy(deployment));
    }
  }

  @Test
  @DisplayName("admission at the web: with orders.max-in-flight placements in flight, the next gets 503 + Retry-After at once and is never sent; afterwards it is taken")
  void placementsRefusedWhileBusy() throws Exception {
    WebVerticle one = new WebVerticle(); // a web of this shop that places one order at a time
    String deployment = await(web.vertx().deployVerticle(one, new DeploymentOptions().setConfig(new JsonObject()
        .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1"))
        .put("auth", new JsonObject().put("jwt-secret", SECRET))
        .put("orders", new JsonObject().put("max-in-flight", 1)))));
    java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
    io.vertx.core.Handler<io.vertx.core.eventbus.DeliveryContext<Object>> slowFirst = dc -> {
      if (dc.message().address().equals(dev.microshop.order.api.OrderAddresses.PLACE)
          && dc.message().body() instanceof JsonObject b && b.getString("idempotencyKey", "").startsWith("busy-")) {
        sent.incrementAndGet();
        if (b.getString("idempotencyKey").equals("busy-slow")) { // held a moment on its way to the order service
          web.vertx().setTimer(1_500, id -> dc.next());
          return;
        }
      }
      dc.next();
    };
    web.vertx().eventBus().addOutboundInterceptor(slowFirst);
    try {
      String owner = newCustomer();
      HttpRequest<Buffer> slowRequest = web.client().post(one.port(), "127.0.0.1", "/api/orders").bearerTokenAuthentication(owner)
          .putHeader("Idempotency-Key", "busy-slow").putHeader("Content-Type", "application/json");
      io.vertx.core.Future<HttpResponse<Buffer>> slow = slowRequest.sendBuffer(order(line("PEN-GEL-3", 1)).toBuffer());
      long deadline = System.currentTimeMillis() + 5_000;
      while (sent.get() == 0) { // the slow one is in flight
        assertThat(System.currentTimeMillis()).isLessThan(deadline);
        Thread.sleep(10);
      }
      HttpRequest<Buffer> next = web.client().post(one.port(), "127.0.0.1", "/api/orders").bearerTokenAuthentication(owner)
          .putHeader("Idempotency-Key", "busy-next");
      HttpResponse<Buffer> refused = send(next, order(line("PEN-GEL-3", 1)).toBuffer());
      assertError(refused, 503, "unavailable");
      assertThat(refused.bodyAsJsonObject().getString("message")).contains("the shop is busy");
      assertThat(refused.getHeader("Retry-After")).as("spread over 1-3 s").isIn("1", "2", "3");
      assertThat(sent.get()).as("the refused placement never reached the order service").isEqualTo(1);

      assertThat(await(slow).statusCode()).isEqualTo(202);
      assertThat(send(next, order(line("PEN-GEL-3", 1)).toBuffer()).statusCode()).isEqualTo(202);
    } finally {
      web.vertx().eventBus().removeOutboundInterceptor(slowFirst);
      await(web.vertx().undeploy(deployment));
    }
  }

  /** A stream's answer: the open response, or a refusal with its JSON body (read as it arrives). */
  private record Opened(io.vertx.core.http.HttpClientResponse response, JsonObject refusal) {
    int status() {
      return response.statusCode();
    }
  }

  private static io.vertx.core.Future<Opened> open(io.vertx.core.http.HttpClient http, int webPort, String id, String token) {
    return openStream(http, webPort, id, token, res -> res.statusCode() == 200
        ? io.vertx.core.Future.succeededFuture(new Opened(res, null))
        : res.body().map(b -> new Opened(res, b.toJsonObject())));
  }

  @Test
  @DisplayName("a connection that sends nothing is closed after http.idle-timeout-seconds; an open order stream (pinged) is not")
  void idleConnectionsClosed() throws Exception {
    WebVerticle quick = new WebVerticle();
    String deployment = await(web.vertx().deployVerticle(quick, new DeploymentOptions().setConfig(new JsonObject()
        .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1").put("idle-timeout-seconds", 4))
        .put("auth", new JsonObject().put("jwt-secret", SECRET)))));
    io.vertx.core.http.HttpClient http = web.vertx().createHttpClient();
    io.vertx.core.net.NetClient tcp = web.vertx().createNetClient();
    try {
      String owner = newCustomer();
      String id = placeOne(owner, "PEN-GEL-3", "sse-idle");
      StringBuffer stream = new StringBuffer();
      io.vertx.core.Promise<Void> streamClosed = io.vertx.core.Promise.promise();
      io.vertx.core.http.HttpClientResponse res = await(openStream(http, quick.port(), id, owner, r -> {
        r.handler(chunk -> stream.append(chunk));
        r.request().connection().closeHandler(v -> streamClosed.tryComplete());
        return io.vertx.core.Future.succeededFuture(r);
      }));
      assertThat(res.statusCode()).isEqualTo(200);

      long start = System.nanoTime();
      io.vertx.core.net.NetSocket silent = await(tcp.connect(quick.port(), "127.0.0.1"));
      io.vertx.core.Promise<Void> closed = io.vertx.core.Promise.promise();
      silent.closeHandler(v -> closed.complete());
      await(closed.future());
      long afterMs = (System.nanoTime() - start) / 1_000_000;
      assertThat(afterMs).as("the silent connection is closed after the idle timeout").isBetween(3_500L, 9_000L);
      Thread.sleep(2_000); // the stream has lived past the idle timeout by now
      assertThat(streamClosed.future().isComplete()).as("the stream stays open").isFalse();
      assertThat(stream.toString()).contains(": ping");
    } finally {
      await(tcp.close());
      await(http.close());
      await(web.vertx().undeploy(deployment));
    }
  }

  @Test
  @DisplayName("an idle timeout that would close the order streams between their pings is refused at start")
  void idleTimeoutShorterThanThePingsRefused() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> await(web.vertx().deployVerticle(new WebVerticle(), new DeploymentOptions()
            .setConfig(new JsonObject().put("http", new JsonObject().put("port", 0).put("idle-timeout-seconds", 3))
                .put("auth", new JsonObject().put("jwt-secret", SECRET))))))
        .hasMessageContaining("http.idle-timeout-seconds must be more than");
  }

  /**
   * Opens the order's live stream ({@code GET /api/orders/{id}/events}) as {@code token}: {@code then} gets the response in
   * the callback that receives it, on its context, before any of its body comes. A handler or {@code body()} asked for
   * later, from the test's thread, misses what came meanwhile: a 429 has ended by then, and Vert.x never delivers its
   * body (a 60 s time-out in a CI-like run), or a stream's first event is lost.
   */
  private static <T> io.vertx.core.Future<T> openStream(io.vertx.core.http.HttpClient http, int webPort, String id, String token,
      java.util.function.Function<io.vertx.core.http.HttpClientResponse, io.vertx.core.Future<T>> then) {
    return http.request(io.vertx.core.http.HttpMethod.GET, webPort, "127.0.0.1", "/api/orders/" + id + "/events")
        .compose(req -> req.putHeader("Authorization", "Bearer " + token).send().compose(then));
  }

  /** Places an order of one {@code sku} for {@code token}'s customer; its id. */
  private static String placeOne(String token, String sku, String idempotencyKey) throws Exception {
    return post("/api/orders", token, order(line(sku, 1)), idempotencyKey).bodyAsJsonObject().getString("orderId");
  }

  /** {@link #placeOne}, once the order's saga is through (see {@link #settled}). */
  private static String placeSettled(String token, String sku, String idempotencyKey) throws Exception {
    String id = placeOne(token, sku, idempotencyKey);
    settled(id, token);
    return id;
  }

  private static JsonObject settled(String id, String token) throws Exception {
    long deadline = System.currentTimeMillis() + 15_000;
    while (true) {
      JsonObject o = get("/api/orders/" + id, token).bodyAsJsonObject();
      if (!o.getBoolean("inProgress", false) && !o.getString("status").equals("PENDING")) {
        return o;
      }
      assertThat(System.currentTimeMillis()).as("order settles").isLessThan(deadline);
      Thread.sleep(25);
    }
  }

  private static JWTAuth jwt(String secret) {
    return WebRequests.jwt(web.vertx(), secret);
  }

  private static String email() {
    return "api-" + UUID.randomUUID() + "@example.com";
  }

  private static JsonObject account(String name, String email) {
    return new JsonObject().put("name", name).put("email", email).put("password", "correct horse");
  }

  private static String newCustomer() throws Exception {
    String email = email();
    assertThat(post("/api/customers", null, account("C", email)).statusCode()).isEqualTo(201);
    return login(email);
  }

  private static String login(String email) throws Exception {
    return loginAs(email, "correct horse");
  }

  private static String loginAs(String email, String password) throws Exception {
    HttpResponse<Buffer> res = post("/api/login", null, new JsonObject().put("email", email).put("password", password));
    assertThat(res.statusCode()).isEqualTo(200);
    return res.bodyAsJsonObject().getString("token");
  }

  private static HttpResponse<Buffer> get(String path, String token) throws Exception {
    return await(with(web.client().get(web.port(), "127.0.0.1", path), token, null).send());
  }

  private static HttpResponse<Buffer> post(String path, String token, JsonObject body) throws Exception {
    return post(path, token, body, null);
  }

  private static HttpResponse<Buffer> post(String path, String token, JsonObject body, String idempotencyKey) throws Exception {
    return send(with(web.client().post(web.port(), "127.0.0.1", path), token, idempotencyKey), body.toBuffer());
  }
}
