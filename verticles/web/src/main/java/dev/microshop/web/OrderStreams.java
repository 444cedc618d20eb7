package dev.microshop.web;

import dev.microshop.common.discovery.ServiceClient;
import dev.microshop.common.eventlog.EventLogAddresses;
import dev.microshop.order.api.OrderAddresses;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code GET /api/orders/{id}/events}: the order's live status as server-sent events, for its
 * owner only (404 otherwise, before the stream opens). Each change of the order writes an event
 * to the order service's log, whose wake-up ({@code order.events-written}) makes this class read
 * every open stream's order again and push it when it changed; a timer does the same every few
 * seconds in case a wake-up was lost (the bus delivers at most once). Wake-ups come with every
 * order transaction (hundreds per second under load), so they are coalesced: one read of the open
 * streams at a time, at most one every {@code MIN_SPACING_MS}, and another one after it when
 * wake-ups arrived meanwhile.
 */
final class OrderStreams {

  private static final long SAFETY_NET_MS = 3_000;
  static final long MIN_SPACING_MS = 50;

  private record Stream(Sse sse, String orderId, String customerId, String[] last) {
  }

  private final ServiceClient orders;
  private final Map<Object, Stream> streams = new ConcurrentHashMap<>();
  private final Vertx vertx;
  // touched on the web verticle's event loop only (its consumer and timers)
  private boolean refreshing;
  private boolean wokenMeanwhile;

  OrderStreams(Vertx vertx, ServiceClient orders) {
    this.vertx = vertx;
    this.orders = orders;
    vertx.eventBus().consumer(EventLogAddresses.notify(OrderAddresses.SERVICE), m -> wake());
    vertx.setPeriodic(SAFETY_NET_MS, id -> {
      wake();
      streams.values().forEach(s -> s.sse().ping());
    });
  }

  private void wake() {
    if (streams.isEmpty()) {
      return;
    }
    if (refreshing) {
      wokenMeanwhile = true;
      return;
    }
    refreshing = true;
    refreshAll().onComplete(done -> vertx.setTimer(MIN_SPACING_MS, id -> {
      refreshing = false;
      if (wokenMeanwhile) {
        wokenMeanwhile = false;
        wake();
      }
    }));
  }

  void handle(RoutingContext ctx) {
    JsonObject query = new JsonObject().put("orderId", ctx.pathParam("id")).put("customerId", Auth.customerId(ctx));
    orders.request(OrderAddresses.GET, query).onSuccess(order -> {
      Sse sse = Sse.open(ctx);
      Object key = new Object();
      Stream stream = new Stream(sse, query.getString("orderId"), query.getString("customerId"), new String[1]);
      streams.put(key, stream);
      ctx.response().closeHandler(v -> streams.remove(key));
      push(stream, order);
    }).onFailure(ctx::fail);
  }

  private io.vertx.core.Future<Void> refreshAll() {
    return io.vertx.core.Future.join(streams.values().stream().map(s -> orders.request(OrderAddresses.GET,
            new JsonObject().put("orderId", s.orderId()).put("customerId", s.customerId()))
        .onSuccess(order -> push(s, order))).toList()).mapEmpty();
  }

  private static void push(Stream s, JsonObject order) {
    String fingerprint = order.getString("status") + "|" + order.getString("updatedAt") + "|"
        + order.getJsonArray("timeline").size();
    synchronized (s) {
      if (!fingerprint.equals(s.last()[0])) {
        s.last()[0] = fingerprint;
        s.sse().send("order", order);
      }
    }
  }
}
