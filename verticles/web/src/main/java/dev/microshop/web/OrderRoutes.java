package dev.microshop.web;

import dev.microshop.common.discovery.ServiceClient;
import dev.microshop.common.failure.FailureCode;
import dev.microshop.common.failure.ServiceException;
import dev.microshop.common.json.Input;
import dev.microshop.history.api.HistoryAddresses;
import dev.microshop.inventory.api.OrderLine;
import dev.microshop.order.api.DeliveryAddress;
import dev.microshop.order.api.OrderAddresses;
import dev.microshop.order.api.PlaceOrder;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.ext.web.RoutingContext;

/**
 * The customer's orders: place (with a required {@code Idempotency-Key}), read, cancel, list.
 * The owner always comes from the token; another customer's order is a 404 on every route.
 */
final class OrderRoutes {

  private final ServiceClient orders;
  private final ServiceClient history;

  private final OrderStreams streams;

  /** Placements in flight on this web verticle, under a bound that adapts to their time ({@code orders.*}). */
  private final PlacementAdmission admission;

  OrderRoutes(io.vertx.core.Vertx vertx, ServiceClient orders, ServiceClient history, OrderStreams.Limits streamLimits,
              PlacementAdmission admission) {
    this.admission = admission;
    this.streams = new OrderStreams(vertx, orders, streamLimits);
    this.orders = orders;
    this.history = history;
  }

  void mount(RouterBuilder api) {
    Http.operation(api, "placeOrder", this::place);
    Http.operation(api, "listOrders", this::list);
    Http.operation(api, "getOrder", this::get);
    Http.operation(api, "cancelOrder", this::cancel);
    Http.operation(api, "orderEvents", streams::handle);
  }

  private void place(RoutingContext ctx) {
    String key = ctx.request().getHeader("Idempotency-Key");
    if (key == null || key.isBlank()) {
      throw ServiceException.badRequest("the Idempotency-Key header is required");
    }
    JsonObject body = Http.body(ctx);
    Input.of(body).only("lines", "address"); // a price, total, status or owner sent by the client is refused
    PlaceOrder command = new PlaceOrder(Input.uuidOr(Auth.customerId(ctx), () -> ServiceException.unauthorized("invalid token")),
        key, OrderLine.listFromJson(body.getValue("lines")), DeliveryAddress.fromJson(body.getValue("address")));
    var permit = admission.admit();
    if (permit.isEmpty()) { // admission: this web has as many placements in flight as it takes now; nothing is sent
      throw new ServiceException(FailureCode.BUSY, "the shop is busy (" + admission.inFlight()
          + " orders being placed here, " + admission.limit() + " at most now): try again in a moment");
    }
    orders.requestIdempotent(OrderAddresses.PLACE, command.toJson())
        .onComplete(ar -> PlacementAdmission.settle(permit.get(), ar))
        .onSuccess(accepted -> {
          ctx.response().putHeader("Location", "/api/orders/" + accepted.getString("orderId"));
          Http.json(ctx, 202, accepted);
        })
        .onFailure(ctx::fail);
  }

  private void get(RoutingContext ctx) {
    orders.requestIdempotent(OrderAddresses.GET, owned(ctx))
        .onSuccess(o -> Http.json(ctx, 200, o))
        .onFailure(ctx::fail);
  }

  private void cancel(RoutingContext ctx) {
    orders.requestIdempotent(OrderAddresses.CANCEL, owned(ctx))
        .onSuccess(o -> Http.json(ctx, 200, o))
        .onFailure(ctx::fail);
  }

  /** The customer's order history, from the history view (built from events; may trail by a moment). */
  private void list(RoutingContext ctx) {
    history.request(HistoryAddresses.ORDERS_OF_CUSTOMER, new JsonObject().put("customerId", Auth.customerId(ctx)))
        .onSuccess(list -> Http.json(ctx, 200, list))
        .onFailure(ctx::fail);
  }

  private static JsonObject owned(RoutingContext ctx) {
    return new JsonObject().put("orderId", ctx.pathParam("id")).put("customerId", Auth.customerId(ctx));
  }
}
