package dev.microshop.web;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Server-sent events on a response: {@code event: NAME} / {@code data: JSON} blocks. */
final class Sse {

  private final HttpServerResponse response;

  private Sse(HttpServerResponse response) {
    this.response = response;
  }

  static Sse open(RoutingContext ctx) {
    HttpServerResponse r = ctx.response()
        .setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .putHeader("X-Accel-Buffering", "no");
    r.write(": stream open\n\n");
    // a graceful stop waits for the requests in progress: an endless stream is ended at once
    // (the client reconnects to another instance, or after the restart)
    Drain drain = ctx.get(Drain.KEY);
    if (drain != null) {
      drain.stream(r);
    }
    ctx.request().connection().shutdownHandler(v -> { // an HTTP/2 connection's GOAWAY
      if (!r.closed() && !r.ended()) {
        r.end();
      }
    });
    return new Sse(r);
  }

  void send(String event, JsonObject data) {
    if (!response.closed() && !response.ended()) {
      response.write("event: " + event + "\ndata: " + data.encode() + "\n\n");
    }
  }

  /** A comment line: keeps proxies and browsers from timing the stream out. */
  void ping() {
    if (!response.closed() && !response.ended()) {
      response.write(": ping\n\n");
    }
  }
}
