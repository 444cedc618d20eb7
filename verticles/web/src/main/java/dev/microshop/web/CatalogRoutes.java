package dev.microshop.web;

import dev.microshop.common.discovery.ServiceClient;
import dev.microshop.common.failure.ServiceException;
import dev.microshop.inventory.api.InventoryAddresses;
import dev.microshop.inventory.api.Product;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /api/products} and {@code GET /api/products/{sku}}: the public catalog, answered from
 * the web's {@link CatalogView} when it is ready, else (and for a sku it doesn't know) by the inventory.
 */
final class CatalogRoutes {

  private final ServiceClient inventory;
  private final CatalogView view;

  CatalogRoutes(ServiceClient inventory, CatalogView view) {
    this.inventory = inventory;
    this.view = view;
  }

  void mount(RouterBuilder api) {
    Http.operation(api, "listProducts", this::list);
    Http.operation(api, "getProduct", this::get);
  }

  private void list(RoutingContext ctx) {
    JsonObject query = new JsonObject();
    String q = ctx.request().getParam("q");
    if (q != null) {
      query.put("q", q);
    }
    putInt(query, ctx, "limit");
    putInt(query, ctx, "offset");
    java.util.Optional<JsonArray> page = view.list(q, query.getInteger("limit"), query.getInteger("offset"));
    if (page.isPresent()) {
      Http.json(ctx, 200, new JsonObject().put("products", page.get()));
      return;
    }
    inventory.requestIdempotent(InventoryAddresses.LIST_PRODUCTS, query)
        .map(reply -> new JsonObject().put("products", new JsonArray(reply.getJsonArray("products").stream()
            .map(p -> publicView(Product.fromJson((JsonObject) p))).toList())))
        .onSuccess(body -> Http.json(ctx, 200, body))
        .onFailure(ctx::fail);
  }

  private void get(RoutingContext ctx) {
    java.util.Optional<String> known = view.product(ctx.pathParam("sku"));
    if (known.isPresent()) {
      Http.json(ctx, 200, known.get());
      return;
    }
    inventory.requestIdempotent(InventoryAddresses.GET_PRODUCT, new JsonObject().put("sku", ctx.pathParam("sku")))
        .map(Product::fromJson)
        .onSuccess(p -> Http.json(ctx, 200, publicView(p)))
        .onFailure(ctx::fail);
  }

  private static void putInt(JsonObject query, RoutingContext ctx, String name) {
    String v = ctx.request().getParam(name);
    if (v == null) {
      return;
    }
    try {
      query.put(name, Integer.parseInt(v));
    } catch (NumberFormatException e) {
      throw ServiceException.badRequest(name + " must be a whole number");
    }
  }

  /** What a shopper sees of a product: not the stock on hand and reserved, only what is available. */
  static JsonObject publicView(Product product) {
    return CatalogView.publicView(product.toJson());
  }
}
