package dev.microshop.order;

import dev.microshop.common.testing.Await;
import dev.microshop.common.testing.TestData;
import dev.microshop.customer.CustomerVerticle;
import dev.microshop.customer.api.CustomerAddresses;
import dev.microshop.inventory.InventoryVerticle;
import dev.microshop.inventory.api.InventoryAddresses;
import dev.microshop.invariants.Invariants;
import dev.microshop.order.api.OrderAddresses;
import dev.microshop.order.api.OrderStatus;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The three services of the saga in one Vert.x, on one embedded PostgreSQL, and the test's moves on them. */
public final class Shop {

  private static final AtomicInteger SEQ = new AtomicInteger();

  public final Vertx vertx = Vertx.vertx();
  public final Path data;
  final String inventoryDeployment;
  private String customerDeployment;
  String orderDeployment;
  private final JsonObject customerConfig;
  private String standardOrders; // the order service as deployOrders() deploys it
  private final List<MessageConsumer<JsonObject>> hanging = new ArrayList<>();

  public Shop(String name, JsonObject customerConfig) throws Exception {
    data = TestData.freshDataDir(name);
    this.customerConfig = customerConfig;
    inventoryDeployment = Await.await(vertx.deployVerticle(InventoryVerticle::new, options(new JsonObject())));
    deployCustomers();
    deployOrders();
  }

  /** Deploys another service of the shop on the same database server. */
  public String deploy(java.util.function.Supplier<? extends io.vertx.core.Deployable> verticle, JsonObject config) throws Exception {
    return Await.await(vertx.deployVerticle(verticle, options(config)));
  }

  public DeploymentOptions options(JsonObject extra) {
    return new DeploymentOptions().setConfig(TestData.serviceConfig(data).mergeIn(extra, true));
  }

  void deployOrders() throws Exception {
    orderDeployment = Await.await(vertx.deployVerticle(OrderVerticle::new, options(new JsonObject()
        .put("saga", new JsonObject().put("step-timeout-ms", 1000).put("min-backoff-ms", 100).put("max-backoff-ms", 1000)
            .put("resume-interval-ms", 200)))));
    standardOrders = orderDeployment;
  }

  /** Deploys the customer service again, with its first settings. */
  void deployCustomers() throws Exception {
    customerDeployment = Await.await(vertx.deployVerticle(CustomerVerticle::new, options(customerConfig)));
  }

  void undeployCustomers() throws Exception {
    Await.await(vertx.undeploy(customerDeployment));
  }

  /** A consumer at {@code address} that takes every request and never answers: a participant that hangs. */
  MessageConsumer<JsonObject> hang(String address) throws Exception {
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(address, m -> { });
    Await.await(consumer.completion());
    hanging.add(consumer);
    return consumer;
  }

  /**
   * The shop as the tests expect it, whatever a test left behind (a failed one too): no hanging consumer, the
   * customer service deployed, the order service with the standard settings. So a failing test fails alone,
   * not every test after it.
   */
  void restore() throws Exception {
    for (MessageConsumer<JsonObject> consumer : hanging) {
      if (consumer.isRegistered()) {
        Await.await(consumer.unregister());
      }
    }
    hanging.clear();
    Set<String> deployed = vertx.deploymentIDs();
    if (!deployed.contains(customerDeployment)) {
      deployCustomers();
    }
    if (!orderDeployment.equals(standardOrders) || !deployed.contains(orderDeployment)) {
      if (deployed.contains(orderDeployment)) {
        undeployOrders();
      }
      deployOrders();
    }
  }

  void undeployOrders() throws Exception {
    Await.await(vertx.undeploy(orderDeployment));
  }

  public JsonObject request(String address, JsonObject body) throws Exception {
    return Await.request(vertx, address, body);
  }

  public int failure(String address, JsonObject body) throws Exception {
    return Await.failureCode(vertx, address, body);
  }

  public String product(String price, int stock) throws Exception {
    String sku = "S-" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet();
    request(InventoryAddresses.ADD_PRODUCT, new JsonObject().put("sku", sku).put("name", "Product " + sku)
        .put("price", price).put("stock", stock));
    return sku;
  }

  public String customer() throws Exception {
    return request(CustomerAddresses.REGISTER, new JsonObject().put("name", "Customer")
        .put("email", "c" + SEQ.incrementAndGet() + "-" + UUID.randomUUID() + "@example.com")
        .put("password", "a long password")).getString("id");
  }

  public static JsonObject line(String sku, int quantity) {
    return new JsonObject().put("sku", sku).put("quantity", quantity);
  }

  public static JsonObject placeBody(String customer, String key, JsonObject... lines) {
    return new JsonObject().put("customerId", customer).put("idempotencyKey", key)
        .put("lines", new JsonArray(List.of((Object[]) lines)));
  }

  public String place(String customer, JsonObject... lines) throws Exception {
    return request(OrderAddresses.PLACE, placeBody(customer, UUID.randomUUID().toString(), lines)).getString("orderId");
  }

  public JsonObject order(String orderId, String customer) throws Exception {
    return request(OrderAddresses.GET, new JsonObject().put("orderId", orderId).put("customerId", customer));
  }

  /** Waits until the saga of the order has finished, and returns the order. */
  public JsonObject settled(String orderId, String customer) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (true) {
      JsonObject o = order(orderId, customer);
      if (!o.getBoolean("inProgress", false) && OrderStatus.valueOf(o.getString("status")).settled()) {
        return o;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("order did not settle: " + o.encodePrettily());
      }
      Thread.sleep(25);
    }
  }

  public JsonObject product(String sku) throws Exception {
    return request(InventoryAddresses.GET_PRODUCT, new JsonObject().put("sku", sku));
  }

  public JsonObject customerView(String customer) throws Exception {
    return request(CustomerAddresses.GET, new JsonObject().put("customerId", customer));
  }

  /** The invariants of the design on orders, credit and stock (see {@link Invariants}); what was checked. */
  public Invariants.Checked assertInvariants() throws Exception {
    return Invariants.assertHold(vertx, 1000);
  }

  /** The same, reading the orders in pages of {@code pageSize} (small pages prove that every page is read). */
  public Invariants.Checked assertInvariants(int pageSize) throws Exception {
    return Invariants.assertHold(vertx, pageSize);
  }

  /** How many customers the customer service has now (the administrator included). */
  public int customerCount() throws Exception {
    return request(CustomerAddresses.CREDIT_REPORT, new JsonObject()).getJsonArray("customers").size();
  }

  /** How many products the inventory has now (the demo catalog included). */
  public int productCount() throws Exception {
    return request(InventoryAddresses.STOCK_REPORT, new JsonObject()).getJsonArray("products").size();
  }

  public void close() throws Exception {
    Await.await(vertx.close());
  }
}
