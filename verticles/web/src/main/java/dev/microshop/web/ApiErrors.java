package dev.microshop.web;

import dev.microshop.common.failure.FailureCode;
import dev.microshop.common.failure.ServiceException;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single failure handler of the HTTP API: every failure becomes a JSON body
 * {@code {"error": CODE, "message": ...}} with the matching status. Event-bus failures map as
 * {@code NO_HANDLERS} → 503, {@code TIMEOUT} → 504, {@code RECIPIENT_FAILURE} → its code.
 * A stack trace is logged here, once, and never sent to the client.
 */
final class ApiErrors {

  private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);

  private ApiErrors() {
  }

  static void handle(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    FailureCode code;
    String message;
    if (failure instanceof ServiceException se) {
      code = se.code();
      message = se.getMessage();
    } else if (failure instanceof ReplyException re) {
      code = FailureCode.of(re);
      message = switch (re.failureType()) {
        case NO_HANDLERS -> "the service is not available";
        case TIMEOUT -> "the service did not answer in time";
        default -> code.status() >= 500 ? "the service failed" : re.getMessage();
      };
    } else if (failure instanceof HttpException he) {
      code = FailureCode.ofStatus(he.getStatusCode());
      message = he.getPayload() != null ? he.getPayload() : statusText(he.getStatusCode());
      send(ctx, he.getStatusCode(), code.error(), message);
      return;
    } else if (failure == null) {
      send(ctx, ctx.statusCode(), FailureCode.ofStatus(ctx.statusCode()).error(), statusText(ctx.statusCode()));
      return;
    } else {
      code = FailureCode.INTERNAL;
      message = "internal error";
    }
    if (code.status() >= 500) {
      LOG.error("{} {} failed with {}", ctx.request().method(), ctx.request().path(), code.status(), failure);
    }
    send(ctx, code.status(), code.error(), message);
  }

  static void notFound(RoutingContext ctx) {
    send(ctx, 404, FailureCode.NOT_FOUND.error(), "no such resource: " + ctx.request().path());
  }

  static void send(RoutingContext ctx, int status, String error, String message) {
    if (ctx.response().ended() || ctx.response().headWritten()) {
      return;
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", error).put("message", message).encode());
  }

  private static String statusText(int status) {
    return switch (status) {
      case 400 -> "bad request";
      case 404 -> "not found";
      case 405 -> "method not allowed";
      case 413 -> "request body too large";
      case 415 -> "unsupported media type";
      default -> status >= 500 ? "internal error" : "request refused";
    };
  }
}
