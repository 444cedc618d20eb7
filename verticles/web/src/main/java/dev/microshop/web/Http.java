package dev.microshop.web;

import dev.microshop.common.failure.ServiceException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;

/** Small helpers for JSON responses. */
final class Http {

  private Http() {
  }

  /** The request's JSON object body; anything else (none, malformed, an array) is a 400. */
  static JsonObject body(RoutingContext ctx) {
    try {
      JsonObject body = ctx.body().asJsonObject();
      if (body == null) {
        throw ServiceException.badRequest("a JSON object body is required");
      }
      return body;
    } catch (DecodeException | ClassCastException e) {
      throw ServiceException.badRequest("the body is not a valid JSON object");
    }
  }

  /**
   * Registers the handler of an operation of the OpenAPI contract; the contract's validation runs
   * before it, authentication before that (see {@link Auth#protect}).
   */
  static void operation(RouterBuilder api, String operationId, io.vertx.core.Handler<RoutingContext> handler) {
    api.getRoute(operationId).setDoSecurity(false).addHandler(handler);
  }

  static void json(RoutingContext ctx, int status, JsonObject body) {
    json(ctx, status, body.encode());
  }

  /** An answer already encoded as JSON. */
  static void json(RoutingContext ctx, int status, String body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(body);
  }
}
