package dev.microshop.web;

import dev.microshop.common.audit.Audit;
import dev.microshop.common.discovery.ServiceClient;
import dev.microshop.common.failure.ServiceException;
import dev.microshop.common.json.Input;
import dev.microshop.common.tracing.TraceCollector;
import dev.microshop.customer.api.CustomerAddresses;
import dev.microshop.history.api.HistoryAddresses;
import dev.microshop.inventory.api.AddProduct;
import dev.microshop.inventory.api.InventoryAddresses;
import dev.microshop.inventory.api.Product;
import dev.microshop.inventory.api.Restock;
import dev.microshop.order.api.OrderAddresses;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.ext.web.RoutingContext;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Administrators only: products, restocks (idempotent by {@code Idempotency-Key}), credit limits, all orders, the audit trail. */
final class AdminRoutes {

  private final ServiceClient inventory;
  private final CatalogView catalog;
  private final ServiceClient customers;
  private final ServiceClient orders;
  private final ServiceClient history;

  /** {@code catalog}: the admin's change shows in this web's catalog before the answer (read your writes). */
  AdminRoutes(ServiceClient inventory, CatalogView catalog, ServiceClient customers, ServiceClient orders, ServiceClient history) {
    this.inventory = inventory;
    this.catalog = catalog;
    this.customers = customers;
    this.orders = orders;
    this.history = history;
  }

  void mount(RouterBuilder api) {
    Http.operation(api, "addProduct", this::addProduct);
    Http.operation(api, "restock", this::restock);
    Http.operation(api, "setCreditLimit", this::creditLimit);
    Http.operation(api, "adminOrders", this::orders);
    Http.operation(api, "rebuildHistory", this::rebuildHistory);
    Http.operation(api, "adminAudit", this::audit);
    Http.operation(api, "orderTrace", this::trace);
  }

  /** How long the web collects the JVMs' answers to a trace question (it can't know how many will answer). */
  static final long TRACE_WINDOW_MS = 500;

  /** An order's trace: every span that any JVM still holds of the traces its saga's steps belong to. */
  private void trace(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    TraceCollector.gather(ctx.vertx(), id, TRACE_WINDOW_MS)
        .onSuccess(trace -> {
          if (trace.getJsonArray("spans").isEmpty()) {
            ctx.fail(ServiceException.notFound("no spans of order " + id + " are kept (tracing off, not sampled, or too long ago)"));
            return;
          }
          Http.json(ctx, 200, trace);
        })
        .onFailure(ctx::fail);
  }

  private void rebuildHistory(RoutingContext ctx) {
    history.request(HistoryAddresses.REBUILD, new JsonObject().put(Audit.ACTOR, Auth.customerId(ctx)))
        .onSuccess(r -> Http.json(ctx, 202, r))
        .onFailure(ctx::fail);
  }

  private void addProduct(RoutingContext ctx) {
    inventory.request(InventoryAddresses.ADD_PRODUCT, AddProduct.fromJson(Http.body(ctx)).toJson().put(Audit.ACTOR, Auth.customerId(ctx)))
        .map(Product::fromJson)
        .compose(p -> catalog.catchUp().map(p))
        .onSuccess(p -> Http.json(ctx, 201, CatalogRoutes.publicView(p).put("onHand", p.onHand())))
        .onFailure(ctx::fail);
  }

  private void restock(RoutingContext ctx) {
    String key = ctx.request().getHeader("Idempotency-Key");
    if (key == null || key.isBlank()) {
      throw ServiceException.badRequest("the Idempotency-Key header is required");
    }
    JsonObject body = Http.body(ctx);
    int quantity = Input.of(body).only("quantity").integer("quantity", 1, Restock.MAX_QUANTITY);
    inventory.request(InventoryAddresses.RESTOCK, new Restock(key, ctx.pathParam("sku"), quantity).toJson()
            .put(Audit.ACTOR, Auth.customerId(ctx)))
        .compose(r -> catalog.catchUp().map(r))
        .onSuccess(r -> Http.json(ctx, 200, r))
        .onFailure(ctx::fail);
  }

  private void creditLimit(RoutingContext ctx) {
    JsonObject body = Http.body(ctx);
    Input.of(body).only("creditLimit");
    customers.request(CustomerAddresses.SET_CREDIT_LIMIT, new JsonObject().put("customerId", ctx.pathParam("id"))
            .put("creditLimit", body.getValue("creditLimit")).put(Audit.ACTOR, Auth.customerId(ctx)))
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

  /**
   * The audit trail: every service's newest entries, merged newest first, each actor's email beside
   * its id; a service that doesn't answer is named in {@code unavailable} (the others still show).
   */
  private void audit(RoutingContext ctx) {
    String l = ctx.request().getParam("limit");
    int limit = l == null ? 200 : Integer.parseInt(l);
    List<ServiceClient> services = List.of(inventory, customers, orders, history);
    List<Future<JsonObject>> answers = services.stream()
        .map(c -> c.requestIdempotent(Audit.address(c.service()), new JsonObject().put("limit", limit))).toList();
    Future.join(answers).onComplete(done -> {
      List<JsonObject> entries = new ArrayList<>();
      JsonArray unavailable = new JsonArray();
      for (int i = 0; i < services.size(); i++) {
        if (answers.get(i).succeeded()) {
          answers.get(i).result().getJsonArray("entries").forEach(e -> entries.add((JsonObject) e));
        } else {
          unavailable.add(services.get(i).service());
        }
      }
      entries.sort(Comparator.comparing((JsonObject e) -> Instant.parse(e.getString("at"))).reversed());
      List<JsonObject> page = entries.subList(0, Math.min(limit, entries.size()));
      Set<String> actors = new TreeSet<>();
      page.stream().map(e -> e.getString("actor")).filter(java.util.Objects::nonNull).forEach(actors::add);
      Map<String, Future<JsonObject>> who = new HashMap<>();
      actors.forEach(a -> who.put(a, customers.requestIdempotent(CustomerAddresses.GET, new JsonObject().put("customerId", a))));
      Future.join(new ArrayList<>(who.values())).onComplete(named -> {
        for (JsonObject e : page) {
          Future<JsonObject> w = e.getString("actor") == null ? null : who.get(e.getString("actor"));
          e.put("actorEmail", w != null && w.succeeded() ? w.result().getString("email") : null);
        }
        Http.json(ctx, 200, new JsonObject().put("entries", new JsonArray(page)).put("unavailable", unavailable));
      });
    });
  }
}
