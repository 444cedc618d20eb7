package dev.microshop.web;

import dev.microshop.common.discovery.ServiceClient;
import dev.microshop.common.failure.ServiceException;
import dev.microshop.inventory.api.CatalogQuery;
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
  private final int maxPageSize;

  CatalogRoutes(ServiceClient inventory, CatalogView view, int maxPageSize) {
    this.inventory = inventory;
    this.view = view;
    this.maxPageSize = maxPageSize;
  }

  void mount(RouterBuilder api) {
    Http.operation(api, "listProducts", this::list);
    Http.operation(api, "getProduct", this::get);
  }

  /** {@code ?q=&category=&sort=&limit=&offset=} ({@link CatalogQuery}) → {@code {products, total, categories}}. */
  private void list(RoutingContext ctx) {
    JsonObject params = new JsonObject();
    for (String name : new String[] {"q", "category", "sort"}) {
      String v = ctx.request().getParam(name);
      if (v != null) {
        params.put(name, v);
      }
    }
    putInt(params, ctx, "limit");
    putInt(params, ctx, "offset");
    CatalogQuery query = CatalogQuery.fromJson(params, maxPageSize);
    java.util.Optional<JsonObject> page = view.list(query);
    if (page.isPresent()) {
      Http.json(ctx, 200, page.get());
      return;
    }
    JsonObject forward = query.toJson();
    if (!params.containsKey("limit")) {
      forward.remove("limit"); // the inventory's own largest page
    }
    inventory.requestIdempotent(InventoryAddresses.LIST_PRODUCTS, forward)
        .map(reply -> reply.put("products", new JsonArray(reply.getJsonArray("products").stream()
            .map(p -> (Object) publicView(Product.fromJson((JsonObject) p))).toList())))
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
