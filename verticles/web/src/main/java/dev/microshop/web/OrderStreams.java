package dev.microshop.web;

import dev.microshop.common.discovery.ServiceClient;
import dev.microshop.common.eventlog.EventLogAddresses;
import dev.microshop.common.eventlog.Wakeups;
import dev.microshop.common.failure.FailureCode;
import dev.microshop.common.failure.ServiceException;
import dev.microshop.order.api.OrderAddresses;
import io.vertx.core.Promise;
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
 *
 * <p>Streams are bounded: at most {@link Limits#perCustomer} open at once per customer and
 * {@link Limits#max} in all on this web verticle; one more is refused with 429 before anything is
 * read (a slot is taken at once and given back when the stream closes, or when it never opens).
 */
final class OrderStreams {

  /** The bounds on open streams ({@code streams.per-customer}, {@code streams.max}). */
  record Limits(int perCustomer, int max) {
    Limits {
      if (perCustomer < 1 || max < 1) {
        throw new IllegalArgumentException("streams.per-customer and streams.max must be at least 1");
      }
    }
  }

  static final long SAFETY_NET_MS = 3_000;
  static final long MIN_SPACING_MS = 50;

  private record Stream(Sse sse, String orderId, String customerId, String[] last) {
  }

  private final ServiceClient orders;
  private final Map<Object, Stream> streams = new ConcurrentHashMap<>();
  private final Vertx vertx;
  private final Limits limits;
  // touched on the web verticle's event loop only (its handlers, consumer and timers)
  /** One refresh at a time, then {@link #MIN_SPACING_MS} before the next; only while a stream is open. */
  private final Wakeups refreshes;
  private final Map<String, Integer> openPerCustomer = new java.util.HashMap<>();
  private int open;

  OrderStreams(Vertx vertx, ServiceClient orders, Limits limits) {
    this.vertx = vertx;
    this.orders = orders;
    this.limits = limits;
    this.refreshes = new Wakeups(vertx, 1, streams::isEmpty, () -> refreshAll().transform(done -> {
      Promise<Void> spaced = Promise.promise();
      vertx.setTimer(MIN_SPACING_MS, id -> spaced.complete());
      return spaced.future();
    }));
    vertx.eventBus().consumer(EventLogAddresses.notify(OrderAddresses.SERVICE), m -> wake());
    vertx.setPeriodic(SAFETY_NET_MS, id -> {
      wake();
      streams.values().forEach(s -> s.sse().ping());
    });
  }

  private void wake() {
    refreshes.now();
  }

  void handle(RoutingContext ctx) {
    String customerId = Auth.customerId(ctx);
    if (open >= limits.max()) {
      throw new ServiceException(FailureCode.TOO_MANY_REQUESTS,
          "this server has " + limits.max() + " live order streams open, its most: try again later");
    }
    if (openPerCustomer.getOrDefault(customerId, 0) >= limits.perCustomer()) {
      throw new ServiceException(FailureCode.TOO_MANY_REQUESTS,
          "at most " + limits.perCustomer() + " live order streams per customer: close one first");
    }
    open++;
    openPerCustomer.merge(customerId, 1, Integer::sum);
    Runnable release = once(() -> {
      open--;
      openPerCustomer.computeIfPresent(customerId, (c, n) -> n > 1 ? n - 1 : null);
    });
    JsonObject query = new JsonObject().put("orderId", ctx.pathParam("id")).put("customerId", customerId);
    orders.request(OrderAddresses.GET, query).onSuccess(order -> {
      Object key = new Object();
      io.vertx.core.Handler<Void> gone = v -> {
        streams.remove(key);
        release.run();
      };
      ctx.response().closeHandler(gone).endHandler(gone); // closed by the client, or ended here (a drain)
      if (ctx.response().closed()) { // gone while the order was read: its close handler came too early
        release.run();
        return;
      }
      Sse sse = Sse.open(ctx);
      if (ctx.response().ended()) { // a stopping web ends a new stream at once (its slot is back already)
        return;
      }
      Stream stream = new Stream(sse, query.getString("orderId"), customerId, new String[1]);
      streams.put(key, stream);
      push(stream, order);
    }).onFailure(t -> {
      release.run();
      ctx.fail(t);
    });
  }

  private static Runnable once(Runnable action) {
    boolean[] done = new boolean[1];
    return () -> {
      if (!done[0]) {
        done[0] = true;
        action.run();
      }
    };
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
