package dev.microshop.web;

import dev.microshop.common.discovery.ServiceClient;
import dev.microshop.common.discovery.ServiceRegistry;
import dev.microshop.common.eventlog.EventLogAddresses;
import dev.microshop.common.failure.Replies;
import dev.microshop.order.api.OrderAddresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The operator dashboard (administrators): the services and their instances from service
 * discovery with their health, orders by status, event-log lag per consumer, and this web's view of
 * each instance it routes to (in rotation or skipped, see ServiceClient); as JSON and as a live
 * stream of server-sent events every two seconds.
 *
 * <p>Its charts ({@code series}): every {@link #SAMPLE_MS}, whether anyone watches or not, this web
 * samples what the time since its last sample brought (orders placed, approved, rejected and cancelled
 * per second, the approval time's p50 and p99, from the order service's timeline) and what each
 * event consumer has pending; it keeps the last {@link #KEEP} samples (ten minutes), the oldest
 * dropped first. A sample the order service did not answer has nulls: a gap in the chart.
 */
final class DashboardRoutes {

  private static final long EVERY_MS = 2_000;
  static final long SAMPLE_MS = 5_000;
  static final int KEEP = 120;
  private static final DeliveryOptions QUICK = new DeliveryOptions().setSendTimeout(1_500);

  private final Vertx vertx;
  private final ServiceRegistry registry;
  private final ServiceClient orders;
  private final List<String> services;
  private final List<ServiceClient> clients;
  private final ArrayDeque<JsonObject> series = new ArrayDeque<>();
  /** The order database's time of the last sample: the next one starts there. */
  private String sampledUntil;

  DashboardRoutes(Vertx vertx, ServiceRegistry registry, ServiceClient orders, List<String> services,
                  List<ServiceClient> clients) {
    this.vertx = vertx;
    this.registry = registry;
    this.orders = orders;
    this.services = services;
    this.clients = clients;
    vertx.setPeriodic(SAMPLE_MS, id -> sample());
  }

  void mount(RouterBuilder api) {
    Http.operation(api, "dashboard", ctx -> snapshot().onSuccess(d -> Http.json(ctx, 200, d)).onFailure(ctx::fail));
    Http.operation(api, "dashboardEvents", this::stream);
    Http.operation(api, "eventLag", ctx -> lag().onSuccess(l -> Http.json(ctx, 200, new JsonObject().put("consumers", l)))
        .onFailure(ctx::fail));
  }

  private void stream(RoutingContext ctx) {
    Sse sse = Sse.open(ctx);
    Runnable tick = () -> snapshot().onSuccess(d -> sse.send("dashboard", d));
    tick.run();
    long timer = vertx.setPeriodic(EVERY_MS, id -> tick.run());
    ctx.response().closeHandler(v -> vertx.cancelTimer(timer));
  }

  Future<JsonObject> snapshot() {
    Future<JsonArray> services = servicesWithHealth();
    Future<JsonObject> stats = orders.request(OrderAddresses.STATS, new JsonObject())
        .otherwise(t -> new JsonObject().put("error", String.valueOf(t.getMessage())));
    Future<JsonArray> lag = lag();
    return Future.join(services, stats, lag).map(v -> new JsonObject()
        .put("at", Instant.now().toString())
        .put("services", services.result())
        .put("orders", stats.result())
        .put("eventLag", lag.result())
        .put("routing", new JsonArray(clients.stream().map(ServiceClient::instancesView).toList()))
        .put("series", new JsonArray(List.copyOf(series))));
  }

  /**
   * One sample of the charts: what the order service's timeline got since the last sample (by the
   * order database's clock, so consecutive samples neither miss nor count twice), and each consumer's
   * pending events.
   */
  private void sample() {
    JsonObject query = new JsonObject().put("recent", true).put("counts", false);
    if (sampledUntil != null) {
      query.put("since", sampledUntil);
    }
    Future<JsonObject> recent = orders.request(OrderAddresses.STATS, query)
        .map(stats -> stats.getJsonObject("recent"))
        .otherwise((JsonObject) null);
    Future<JsonArray> lag = lag();
    Future.join(recent, lag).onComplete(ar -> {
      JsonObject r = recent.result();
      sampledUntil = r == null ? null : r.getString("until");
      double seconds = r == null ? 0
          : Duration.between(Instant.parse(r.getString("since")), Instant.parse(r.getString("until"))).toMillis() / 1000.0;
      JsonObject pending = new JsonObject();
      lag.result().stream().map(JsonObject.class::cast).filter(l -> l.getValue("pending") != null)
          .forEach(l -> pending.put(l.getString("consumer") + " ← " + l.getString("producer"), l.getValue("pending")));
      JsonObject approvalMs = r == null ? new JsonObject() : r.getJsonObject("approvalMs", new JsonObject());
      series.addLast(new JsonObject()
          .put("at", Instant.now().toString())
          .put("placedPerSecond", perSecond(r, "placed", seconds))
          .put("approvedPerSecond", perSecond(r, "approved", seconds))
          .put("rejectedPerSecond", perSecond(r, "rejected", seconds))
          .put("cancelledPerSecond", perSecond(r, "cancelled", seconds))
          .put("approvalP50Ms", approvalMs.getDouble("p50"))
          .put("approvalP99Ms", approvalMs.getDouble("p99"))
          .put("pending", pending));
      while (series.size() > KEEP) {
        series.removeFirst();
      }
    });
  }

  private static Double perSecond(JsonObject recent, String field, double seconds) {
    return recent == null || seconds <= 0 ? null : recent.getLong(field) / seconds;
  }

  /** Each service's health, and its instances as published in service discovery. */
  private Future<JsonArray> servicesWithHealth() {
    return registry.records().compose(records -> {
      Map<String, JsonArray> instances = new LinkedHashMap<>();
      services.forEach(s -> instances.put(s, new JsonArray()));
      instances.put("web", new JsonArray());
      for (JsonObject r : records) {
        JsonObject meta = r.getJsonObject("metadata", new JsonObject());
        instances.computeIfAbsent(r.getString("name"), n -> new JsonArray()).add(new JsonObject()
            .put("instance", meta.getString("instance")).put("jvm", meta.getString("jvm")).put("pid", meta.getLong("pid"))
            .put("type", r.getString("type")).put("status", r.getString("status")));
      }
      List<Future<JsonObject>> all = instances.entrySet().stream().map(e -> health(e.getKey())
          .map(h -> new JsonObject().put("name", e.getKey()).put("health", h).put("instances", e.getValue()))).toList();
      return Future.join(all).map(v -> new JsonArray(all.stream().map(Future::result).toList()));
    });
  }

  private Future<String> health(String service) {
    if (service.equals("web")) {
      return Future.succeededFuture("UP");
    }
    return vertx.eventBus().<JsonObject>request(service + ".health", null, QUICK)
        .map(m -> m.body().getString("outcome", "DOWN"))
        .otherwise("DOWN");
  }

  /** Per consumer and producer: the producer's head, the consumer's position, what is pending. */
  Future<JsonArray> lag() {
    List<Future<JsonObject>> all = services.stream()
        .map(s -> vertx.eventBus().<JsonObject>request(EventLogAddresses.lag(s), new JsonObject(), QUICK)
            .map(m -> m.body())
            .otherwise(t -> new JsonObject().put("consumer", s).put("error", Replies.unanswered(s, QUICK.getSendTimeout(), t))))
        .toList();
    return Future.join(all).map(v -> {
      JsonArray lag = new JsonArray();
      for (Future<JsonObject> f : all) {
        JsonObject r = f.result();
        if (r.containsKey("error")) {
          lag.add(r);
        } else {
          r.getJsonArray("producers").forEach(lag::add);
        }
      }
      return lag;
    });
  }
}
