package dev.microshop.web;

import dev.microshop.common.failure.FailureCode;
import dev.microshop.common.failure.ServiceException;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;

/**
 * The single failure handler of the HTTP API: every failure becomes a JSON body
 * {@code {"error": CODE, "message": ...}} with the matching status. Event-bus failures map as
 * {@code NO_HANDLERS} → 503, {@code TIMEOUT} → 504, {@code RECIPIENT_FAILURE} → its code. A 503
 * also says when to ask again ({@code Retry-After}).
 *
 * <p>A 5xx answer also carries an {@code errorId}, logged here in one line with the method, path
 * and status: at ERROR with the stack trace for a 500 (never sent to the client), at WARN with the
 * cause for a 503 or 504 (a dependency away or slow, where a stack trace says nothing). So the id a
 * client reports leads to that line, and only to it.
 */
final class ApiErrors {

  private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);
  /**
   * A 503's {@code Retry-After}: a dependency comes back, or the work in progress drains, within
   * seconds — 1 to 3, at random, so that the clients refused together do not all come back together.
   */
  static String retryAfterSeconds() {
    return Integer.toString(1 + java.util.concurrent.ThreadLocalRandom.current().nextInt(3));
  }

  private ApiErrors() {
  }

  static void handle(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    int status;
    String error;
    String message;
    if (failure instanceof ServiceException se) {
      status = se.code().status();
      error = se.code().error();
      message = se.getMessage();
    } else if (failure instanceof ReplyException re) {
      FailureCode code = FailureCode.of(re);
      status = code.status();
      error = code.error();
      message = switch (re.failureType()) {
        case NO_HANDLERS -> "the service is not available";
        case TIMEOUT -> "the service did not answer in time";
        // a service's 503 says why in words meant for clients ("database unavailable", "the shop is busy ...")
        default -> code.status() >= 500 && code.status() != 503 ? "the service failed" : re.getMessage();
      };
    } else if (failure instanceof HttpException he) {
      status = he.getStatusCode();
      error = FailureCode.ofStatus(status).error();
      message = he.getPayload() != null ? he.getPayload() : statusText(status);
    } else if (failure == null) {
      status = ctx.statusCode();
      error = FailureCode.ofStatus(status).error();
      message = statusText(status);
    } else {
      status = FailureCode.INTERNAL.status();
      error = FailureCode.INTERNAL.error();
      message = "internal error";
    }
    JsonObject body = body(error, message);
    if (status >= 500) {
      body.put("errorId", logged(ctx, status, error, failure));
    }
    send(ctx, status, body);
  }

  static void notFound(RoutingContext ctx) {
    send(ctx, 404, body(FailureCode.NOT_FOUND.error(), "no such resource: " + ctx.request().path()));
  }

  /**
   * Logs a 5xx answer once under a new error id and returns the id. The line carries the trace id
   * too, from {@link #traceId}.
   */
  private static String logged(RoutingContext ctx, int status, String error, Throwable failure) {
    String errorId = UUID.randomUUID().toString();
    HttpServerRequest request = ctx.request();
    if (status == FailureCode.UNAVAILABLE.status() || status == FailureCode.TIMEOUT.status()) {
      LOG.warn("{} {} answered {} {} errorId={} trace={}: {}", request.method(), request.path(), status, error,
          errorId, traceId(ctx), String.valueOf(failure));
    } else {
      LOG.error("{} {} answered {} {} errorId={} trace={}", request.method(), request.path(), status, error,
          errorId, traceId(ctx), failure);
    }
    return errorId;
  }

  /** The trace of the request (see {@link dev.microshop.common.tracing.Tracing}); {@code -} when it is not traced. */
  private static String traceId(RoutingContext ctx) {
    io.opentelemetry.api.trace.SpanContext span = io.opentelemetry.api.trace.Span.current().getSpanContext();
    return span.isValid() ? span.getTraceId() : "-";
  }

  private static JsonObject body(String error, String message) {
    return new JsonObject().put("error", error).put("message", message);
  }

  private static void send(RoutingContext ctx, int status, JsonObject body) {
    if (ctx.response().ended() || ctx.response().headWritten()) {
      return;
    }
    if (status == FailureCode.UNAVAILABLE.status()) { // away or busy for a moment: when to ask again
      ctx.response().putHeader("Retry-After", retryAfterSeconds());
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.encode());
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
