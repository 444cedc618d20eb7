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
 * seconds in case a wake-up was lost (the bus delivers at most once).
 */
final class OrderStreams {

  private static final long SAFETY_NET_MS = 3_000;

  private record Stream(Sse sse, String orderId, String customerId, String[] last) {
  }

  private final ServiceClient orders;
  private final Map<Object, Stream> streams = new ConcurrentHashMap<>();

  OrderStreams(Vertx vertx, ServiceClient orders) {
    this.orders = orders;
    vertx.eventBus().consumer(EventLogAddresses.notify(OrderAddresses.SERVICE), m -> refreshAll());
    vertx.setPeriodic(SAFETY_NET_MS, id -> {
      refreshAll();
      streams.values().forEach(s -> s.sse().ping());
    });
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

  private void refreshAll() {
    streams.values().forEach(s -> orders.request(OrderAddresses.GET,
            new JsonObject().put("orderId", s.orderId()).put("customerId", s.customerId()))
        .onSuccess(order -> push(s, order)));
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
