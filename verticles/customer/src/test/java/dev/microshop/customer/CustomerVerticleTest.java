package dev.microshop.customer;

import dev.microshop.common.db.EmbeddedPostgresServer;
import dev.microshop.common.testing.TestData;
import dev.microshop.customer.api.CustomerAddresses;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.microshop.common.testing.Await.await;
import static dev.microshop.common.testing.Await.failureCode;
import static org.assertj.core.api.Assertions.assertThat;

/** Registration, log-in checks and credit reservations, on a real embedded PostgreSQL. */
class CustomerVerticleTest {

  private static final AtomicInteger SEQ = new AtomicInteger();
  private static Vertx vertx;

  @BeforeAll
  static void deploy() throws Exception {
    java.security.Security.insertProviderAt(new CountingPbkdf2(), 1); // counts the hashes (see authenticate)
    vertx = Vertx.vertx();
    JsonObject config = TestData.serviceConfig(TestData.freshDataDir("customer")).put("default-credit-limit", "100.00");
    await(vertx.deployVerticle(CustomerVerticle::new, new DeploymentOptions().setConfig(config)));
  }

  @AfterAll
  static void close() throws Exception {
    await(vertx.close());
    EmbeddedPostgresServer.stopAll();
    java.security.Security.removeProvider(CountingPbkdf2.NAME);
  }

  @Test
  @DisplayName("register gives the default credit limit and never shows the password; emails are unique whatever their case")
  void register() throws Exception {
    String email = email();
    JsonObject c = register("Ada", email);
    assertThat(c.getString("creditLimit")).isEqualTo("100.00");
    assertThat(c.getString("availableCredit")).isEqualTo("100.00");
    assertThat(c.getString("role")).isEqualTo("customer");
    assertThat(c.encode()).doesNotContain("password").doesNotContain("pbkdf2");
    assertThat(failureCode(vertx, CustomerAddresses.REGISTER, body("Ada", email.toUpperCase()))).isEqualTo(409);
  }

  @Test
  @DisplayName("bad registrations are a 400 and store nothing: a credit limit or role in the body, a short password, a bad email")
  void badRegister() throws Exception {
    String email = email();
    assertThat(failureCode(vertx, CustomerAddresses.REGISTER, body("Eve", email).put("creditLimit", "99999"))).isEqualTo(400);
    assertThat(failureCode(vertx, CustomerAddresses.REGISTER, body("Eve", email).put("role", "admin"))).isEqualTo(400);
    assertThat(failureCode(vertx, CustomerAddresses.REGISTER, body("Eve", email).put("password", "short"))).isEqualTo(400);
    assertThat(failureCode(vertx, CustomerAddresses.REGISTER, body("Eve", "not-an-email"))).isEqualTo(400);
    assertThat(failureCode(vertx, CustomerAddresses.REGISTER, body("", email))).isEqualTo(400);
    assertThat(register("Eve", email).getString("email")).isEqualTo(email); // nothing was stored before
  }

  @Test
  @DisplayName("authenticate: right password → the customer; wrong password or unknown email → the same 401, both after a full hash")
  void authenticate() throws Exception {
    String email = email();
    String id = register("Bob", email).getString("id");
    JsonObject ok = request(CustomerAddresses.AUTHENTICATE, new JsonObject().put("email", email.toUpperCase()).put("password", "correct horse"));
    assertThat(ok.getString("customerId")).isEqualTo(id);
    assertThat(ok.getString("role")).isEqualTo("customer");

    // each log-in derives one full PBKDF2 hash (counted by the JDK provider the test puts first), whoever asks
    CountingPbkdf2.take();
    ReplyException wrong = authFailure(email, "wrong password");
    assertThat(CountingPbkdf2.take()).as("hashes of a wrong password").containsExactly(PasswordHasher.ITERATIONS);
    ReplyException unknown = authFailure("nobody-" + UUID.randomUUID() + "@example.com", "correct horse");
    assertThat(CountingPbkdf2.take()).as("hashes of an unknown email").containsExactly(PasswordHasher.ITERATIONS);
    assertThat(wrong.failureCode()).isEqualTo(401);
    assertThat(unknown.failureCode()).isEqualTo(401);
    assertThat(unknown.getMessage()).isEqualTo(wrong.getMessage());
  }

  @Test
  @DisplayName("the administrator exists from the start with the development credentials")
  void admin() throws Exception {
    JsonObject admin = request(CustomerAddresses.AUTHENTICATE,
        new JsonObject().put("email", "admin@microshop.local").put("password", "microshop-admin-dev"));
    assertThat(admin.getString("role")).isEqualTo("admin");
  }

  @Test
  @DisplayName("MICROSHOP_ADMIN_EMAIL and MICROSHOP_ADMIN_PASSWORD replace the development administrator: the configured one logs in as admin, the development credentials are refused")
  void adminFromEnvironment() throws Exception {
    Path out = Files.createTempFile(Path.of("target").toAbsolutePath(), "admin-env-", ".log");
    ProcessBuilder child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), AdminFromEnvironment.class.getName(),
        TestData.freshDataDir("customer-admin-env").toString())
        .redirectErrorStream(true).redirectOutput(out.toFile());
    child.environment().put("MICROSHOP_ADMIN_EMAIL", "ops-" + UUID.randomUUID() + "@example.com");
    child.environment().put("MICROSHOP_ADMIN_PASSWORD", "a configured admin password");
    Process process = child.start();
    try {
      assertThat(process.waitFor(180, TimeUnit.SECONDS)).as("the child JVM finishes; its output: %s", out).isTrue();
    } finally {
      process.destroyForcibly();
    }
    List<String> lines = Files.readAllLines(out);
    assertThat(process.exitValue()).as("exit of the child JVM: %s", lines).isZero();
    assertThat(lines).as("output of the child JVM").contains("configured admin", "development 401");
  }

  @Test
  @DisplayName("reserve credit within the limit, reject beyond it or for an unknown customer; a repeat returns the first outcome")
  void reserveCredit() throws Exception {
    String id = register("Cy", email()).getString("id");
    String o1 = UUID.randomUUID().toString();
    JsonObject first = reserve(o1, id, 6000);
    assertThat(first.getString("status")).isEqualTo("RESERVED");
    assertThat(reserve(o1, id, 6000)).isEqualTo(first);
    JsonObject tooMuch = reserve(UUID.randomUUID().toString(), id, 4001);
    assertThat(tooMuch.getString("status")).isEqualTo("REJECTED");
    assertThat(tooMuch.getString("reason")).contains("insufficient credit").contains("40.00 available");
    assertThat(reserve(UUID.randomUUID().toString(), UUID.randomUUID().toString(), 1).getString("reason")).isEqualTo("unknown customer");
    assertThat(customer(id).getLong("availableCreditCents")).isEqualTo(4000);
    assertThat(failureCode(vertx, CustomerAddresses.RESERVE_CREDIT, new JsonObject()
        .put("orderId", "x").put("customerId", id).put("amountCents", -5))).isEqualTo(400);
  }

  @Test
  @DisplayName("a batch of credit reservations decides each order on its own, in its order, against what the earlier ones held")
  void reserveCreditBatch() throws Exception {
    String cy = register("Cy", email()).getString("id"); // 100.00 of credit each
    String di = register("Di", email()).getString("id");
    String before = UUID.randomUUID().toString();
    reserve(before, cy, 1000);
    String o1 = "b-" + UUID.randomUUID(); // decided before o2, though claimed after it (by id)
    String o2 = "a-" + UUID.randomUUID();
    String o3 = UUID.randomUUID().toString();
    String o4 = UUID.randomUUID().toString();
    JsonArray results = request(CustomerAddresses.RESERVE_CREDIT_ALL, new JsonObject().put("commands", new JsonArray()
        .add(credit(o1, cy, 6000))
        .add(credit(o2, cy, 3001)) // 30.00 left after o1 and the earlier 10.00: rejected alone
        .add(credit(before, cy, 1000)) // asked before: its first outcome, held once
        .add(credit(o3, di, 9000))
        .add(credit(o4, UUID.randomUUID().toString(), 1)))).getJsonArray("results");
    assertThat(results.stream().map(r -> ((JsonObject) r).getString("orderId"))).containsExactly(o1, o2, before, o3, o4);
    assertThat(results.stream().map(r -> ((JsonObject) r).getString("status")))
        .containsExactly("RESERVED", "REJECTED", "RESERVED", "RESERVED", "REJECTED");
    assertThat(results.getJsonObject(1).getString("reason")).contains("30.00 available");
    assertThat(results.getJsonObject(4).getString("reason")).isEqualTo("unknown customer");
    assertThat(customer(cy).getLong("reservedCreditCents")).isEqualTo(7000);
    assertThat(customer(di).getLong("reservedCreditCents")).isEqualTo(9000);
    assertThat(reserve(o2, cy, 3001).getString("status")).isEqualTo("REJECTED"); // idempotent alone too
    assertThat(failureCode(vertx, CustomerAddresses.RESERVE_CREDIT_ALL, new JsonObject().put("commands", new JsonArray()
        .add(credit(UUID.randomUUID().toString(), di, 100)).add(credit("x", di, -5))))).isEqualTo(400);
    assertThat(customer(di).getLong("reservedCreditCents")).isEqualTo(9000);
  }

  @Test
  @DisplayName("release gives credit back once; a release before the reserve blocks the late reserve")
  void release() throws Exception {
    String id = register("Di", email()).getString("id");
    String order = UUID.randomUUID().toString();
    reserve(order, id, 7000);
    assertThat(release(order).getString("status")).isEqualTo("RELEASED");
    assertThat(release(order).getString("status")).isEqualTo("RELEASED");
    assertThat(customer(id).getLong("availableCreditCents")).isEqualTo(10000);
    assertThat(reserve(order, id, 7000).getString("status")).isEqualTo("RELEASED");

    String early = UUID.randomUUID().toString();
    release(early);
    assertThat(reserve(early, id, 100).getString("status")).isEqualTo("RELEASED");
    assertThat(customer(id).getLong("availableCreditCents")).isEqualTo(10000);
  }

  @Test
  @DisplayName("the credit a customer's account holds is the sum of its reservations held, through reserves, repeats,"
      + " rejections and releases, alone, in batches and at once")
  void heldCreditAgreesWithReservations() throws Exception {
    String id = register("Gil", email()).getString("id");
    String a = UUID.randomUUID().toString();
    String b = UUID.randomUUID().toString();
    reserve(a, id, 2500);
    request(CustomerAddresses.RESERVE_CREDIT_ALL, new JsonObject().put("commands", new JsonArray()
        .add(credit(b, id, 1500)).add(credit(a, id, 2500)).add(credit(UUID.randomUUID().toString(), id, 9000))));
    release(a);
    release(a);
    List<Future<?>> all = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      String order = UUID.randomUUID().toString();
      all.add(vertx.eventBus().request(CustomerAddresses.RESERVE_CREDIT, credit(order, id, 1000))
          .compose(v -> vertx.eventBus().request(CustomerAddresses.RELEASE_CREDIT, new JsonObject().put("orderId", order))));
      all.add(vertx.eventBus().request(CustomerAddresses.RESERVE_CREDIT, credit(UUID.randomUUID().toString(), id, 700)));
    }
    await(Future.join(all));
    JsonObject report = request(CustomerAddresses.CREDIT_REPORT, new JsonObject()).getJsonArray("customers").stream()
        .map(JsonObject.class::cast).filter(c -> c.getString("customerId").equals(id)).findFirst().orElseThrow();
    long held = customer(id).getLong("reservedCreditCents");
    assertThat(held).isBetween(1500L, 10_000L).isEqualTo(report.getLong("reservedCents"))
        .isEqualTo(report.getLong("reservedByReservationsCents"));
    assertThat((held - 1500) % 700).as("b and some of the 700s, none of the released").isZero();
  }

  @Test
  @DisplayName("concurrent reservations never exceed the credit limit")
  void concurrentCredit() throws Exception {
    String id = register("Ed", email()).getString("id");
    List<Future<JsonObject>> all = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      all.add(vertx.eventBus().<JsonObject>request(CustomerAddresses.RESERVE_CREDIT, new JsonObject()
          .put("orderId", UUID.randomUUID().toString()).put("customerId", id).put("amountCents", 1000)).map(m -> m.body()));
    }
    await(Future.join(all));
    assertThat(all.stream().filter(f -> f.result().getString("status").equals("RESERVED"))).hasSize(10);
    assertThat(customer(id).getLong("reservedCreditCents")).isEqualTo(10000);
  }

  @Test
  @DisplayName("an admin sets a credit limit, never below the reserved credit")
  void creditLimit() throws Exception {
    String id = register("Fay", email()).getString("id");
    reserve(UUID.randomUUID().toString(), id, 3000);
    assertThat(failureCode(vertx, CustomerAddresses.SET_CREDIT_LIMIT,
        new JsonObject().put("customerId", id).put("creditLimit", "29.99"))).isEqualTo(409);
    JsonObject c = request(CustomerAddresses.SET_CREDIT_LIMIT, new JsonObject().put("customerId", id).put("creditLimit", "250.50"));
    assertThat(c.getString("creditLimit")).isEqualTo("250.50");
    assertThat(c.getString("availableCredit")).isEqualTo("220.50");
  }

  private static ReplyException authFailure(String email, String password) {
    return (ReplyException) org.assertj.core.api.Assertions.catchThrowable(() -> request(CustomerAddresses.AUTHENTICATE,
        new JsonObject().put("email", email).put("password", password)));
  }

  private static String email() {
    return "user" + SEQ.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
  }

  private static JsonObject body(String name, String email) {
    return new JsonObject().put("name", name).put("email", email).put("password", "correct horse");
  }

  private static JsonObject register(String name, String email) throws Exception {
    return request(CustomerAddresses.REGISTER, body(name, email));
  }

  private static JsonObject customer(String id) throws Exception {
    return request(CustomerAddresses.GET, new JsonObject().put("customerId", id));
  }

  private static JsonObject reserve(String order, String customer, long cents) throws Exception {
    return request(CustomerAddresses.RESERVE_CREDIT, credit(order, customer, cents));
  }

  private static JsonObject credit(String order, String customer, long cents) {
    return new JsonObject().put("orderId", order).put("customerId", customer).put("amountCents", cents);
  }

  private static JsonObject release(String order) throws Exception {
    return request(CustomerAddresses.RELEASE_CREDIT, new JsonObject().put("orderId", order));
  }

  private static JsonObject request(String address, JsonObject body) throws Exception {
    return dev.microshop.common.testing.Await.request(vertx, address, body);
  }
}
