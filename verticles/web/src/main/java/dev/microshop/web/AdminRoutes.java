package dev.microshop.web;

import dev.microshop.common.discovery.ServiceClient;
import dev.microshop.common.failure.ServiceException;
import dev.microshop.common.json.Input;
import dev.microshop.common.eventlog.EventLogAddresses;
import dev.microshop.customer.api.CustomerAddresses;
import dev.microshop.history.api.HistoryAddresses;
import dev.microshop.inventory.api.InventoryAddresses;
import dev.microshop.order.api.OrderAddresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/** Administrators only: products, restocks (idempotent by {@code Idempotency-Key}), credit limits, all orders. */
final class AdminRoutes {

  private final ServiceClient inventory;
  private final ServiceClient customers;
  private final ServiceClient orders;
  private final ServiceClient history;
  private final Auth auth;
  private final Vertx vertx;
  private final List<String> services;

  AdminRoutes(Vertx vertx, ServiceClient inventory, ServiceClient customers, ServiceClient orders, ServiceClient history,
              Auth auth, List<String> services) {
    this.vertx = vertx;
    this.inventory = inventory;
    this.customers = customers;
    this.orders = orders;
    this.history = history;
    this.auth = auth;
    this.services = services;
  }

  void mount(RouterBuilder api) {
    Http.operation(api, "addProduct", this::addProduct);
    Http.operation(api, "restock", this::restock);
    Http.operation(api, "setCreditLimit", this::creditLimit);
    Http.operation(api, "adminOrders", this::orders);
    Http.operation(api, "eventLag", this::eventLag);
    Http.operation(api, "rebuildHistory", this::rebuildHistory);
  }

  /** Per consumer and producer: the producer's head beside the consumer's position, and what is pending. */
  private void eventLag(RoutingContext ctx) {
    DeliveryOptions timeout = new DeliveryOptions().setSendTimeout(2000);
    List<Future<JsonObject>> all = services.stream()
        .map(s -> vertx.eventBus().<JsonObject>request(EventLogAddresses.lag(s), new JsonObject(), timeout)
            .map(m -> m.body())
            .otherwise(t -> new JsonObject().put("consumer", s).put("error", String.valueOf(t.getMessage()))))
        .toList();
    Future.all(all).onSuccess(done -> {
      JsonArray lag = new JsonArray();
      for (Future<JsonObject> f : all) {
        JsonObject r = f.result();
        if (r.containsKey("error")) {
          lag.add(r);
        } else {
          r.getJsonArray("producers").forEach(lag::add);
        }
      }
      Http.json(ctx, 200, new JsonObject().put("consumers", lag));
    }).onFailure(ctx::fail);
  }

  private void rebuildHistory(RoutingContext ctx) {
    history.request(HistoryAddresses.REBUILD, new JsonObject())
        .onSuccess(r -> Http.json(ctx, 202, r))
        .onFailure(ctx::fail);
  }

  private void addProduct(RoutingContext ctx) {
    inventory.request(InventoryAddresses.ADD_PRODUCT, Http.body(ctx))
        .onSuccess(p -> Http.json(ctx, 201, CatalogRoutes.publicView(p).put("onHand", p.getInteger("onHand"))))
        .onFailure(ctx::fail);
  }

  private void restock(RoutingContext ctx) {
    String key = ctx.request().getHeader("Idempotency-Key");
    if (key == null || key.isBlank()) {
      throw ServiceException.badRequest("the Idempotency-Key header is required");
    }
    JsonObject body = Http.body(ctx);
    int quantity = Input.of(body).only("quantity").integer("quantity", 1, 100_000);
    inventory.request(InventoryAddresses.RESTOCK, new JsonObject().put("requestId", key)
            .put("sku", ctx.pathParam("sku")).put("quantity", quantity))
        .onSuccess(r -> Http.json(ctx, 200, r))
        .onFailure(ctx::fail);
  }

  private void creditLimit(RoutingContext ctx) {
    JsonObject body = Http.body(ctx);
    Input.of(body).only("creditLimit");
    customers.request(CustomerAddresses.SET_CREDIT_LIMIT, new JsonObject().put("customerId", ctx.pathParam("id"))
            .put("creditLimit", body.getValue("creditLimit")))
        .onSuccess(c -> Http.json(ctx, 200, AccountRoutes.publicView(c)))
        .onFailure(ctx::fail);
  }

  private void orders(RoutingContext ctx) {
    JsonObject query = new JsonObject().put("limit", 200);
    String status = ctx.request().getParam("status");
    if (status != null) {
      query.put("status", status);
    }
    orders.request(OrderAddresses.LIST, query)
        .onSuccess(list -> Http.json(ctx, 200, list))
        .onFailure(ctx::fail);
  }
}
