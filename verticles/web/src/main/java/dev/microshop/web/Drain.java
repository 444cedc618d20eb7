package dev.microshop.web;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.vertx.core.Future;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The web's graceful stop, as a balancer needs it: the port stops taking connections at once (a
 * client's next connection is refused, and a balancer sends it to another web), while every
 * keep-alive connection already open is served on until its client closes it: each answer from
 * then on says {@code Connection: close}, so the client closes the connection itself, after an
 * answer, and opens its next one elsewhere. Open event streams are ended at once (the browser
 * reconnects elsewhere). What is still open when the grace ends is closed.
 *
 * <p>Why not {@link HttpServer#shutdown} alone: in Vert.x 5.0 an HTTP/1.x connection that has no
 * request in progress when the shutdown reaches it is closed at once. A client may have sent its
 * next request on that connection a moment before; the server has not read it yet, so it is
 * dropped, and the client gets a closed connection without an answer (the rolling-restart chaos
 * run saw two such failures in one web stop). So each HTTP/1.x connection carries {@link #HOLD},
 * which keeps Vert.x's shutdown event from reaching the connection: it is closed by its client
 * after a {@code Connection: close} answer, or by the server's grace timeout. HTTP/2 connections
 * keep Vert.x's behaviour (a GOAWAY, which tells the client before anything is lost).
 */
final class Drain {

  /** The key under which the router's requests find this drain (for their event streams). */
  static final String KEY = "microshop.drain";

  /** Keeps Vert.x's shutdown event (io.vertx.core.net.impl.ShutdownEvent) from an HTTP/1.x connection. */
  private static final ChannelHandler HOLD = new HoldShutdown();

  private volatile boolean draining;
  private final Set<HttpServerResponse> streams = ConcurrentHashMap.newKeySet();

  /** For {@link HttpServer#connectionHandler}: each HTTP/1.x connection ends by its client, not by the shutdown. */
  void connected(HttpConnection connection) {
    if (connection instanceof io.vertx.core.http.impl.Http1xServerConnection http1) {
      http1.channelHandlerContext().pipeline().addFirst("microshop-drain", HOLD);
    }
  }

  /** A router handler ahead of all: while draining, every answer says {@code Connection: close}. */
  void handle(RoutingContext ctx) {
    ctx.put(KEY, this);
    ctx.addHeadersEndHandler(v -> {
      if (draining) {
        ctx.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
      }
    });
    ctx.next();
  }

  /** An event stream, ended when the drain begins. */
  void stream(HttpServerResponse response) {
    if (draining) {
      response.end();
      return;
    }
    streams.removeIf(r -> r.closed() || r.ended()); // (the routes own the response's close handler)
    streams.add(response);
  }

  /**
   * Begins the drain: answers from now on close their connections, event streams end, the port
   * stops taking connections; completes once every connection is closed, or after {@code graceMs}.
   */
  Future<Void> begin(HttpServer server, long graceMs) {
    draining = true;
    for (HttpServerResponse r : streams) {
      if (!r.closed() && !r.ended()) {
        r.end();
      }
    }
    return server.shutdown(graceMs, TimeUnit.MILLISECONDS);
  }

  @ChannelHandler.Sharable
  private static final class HoldShutdown extends ChannelInboundHandlerAdapter {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
      if (event instanceof io.vertx.core.net.impl.ShutdownEvent) {
        return; // held: the connection closes after an answer that says so, or at the grace's end
      }
      super.userEventTriggered(ctx, event);
    }
  }
}
