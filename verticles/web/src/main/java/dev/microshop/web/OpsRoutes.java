package dev.microshop.web;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.spi.cluster.hazelcast.ClusterHealthCheck;

import java.util.List;
import java.util.UUID;

/**
 * {@code GET /health} (vertx-health-check: the event bus, the cluster when clustered, and each
 * service with its database, asked over the event bus on {@code <service>.health}) and
 * {@code GET /metrics} (Prometheus, from vertx-micrometer-metrics).
 */
final class OpsRoutes {

  private static final long CHECK_TIMEOUT_MS = 2_000;

  private final Vertx vertx;
  private final HealthChecks checks;
  private final MessageConsumer<Object> ping;

  OpsRoutes(Vertx vertx, List<String> services) {
    this.vertx = vertx;
    String pingAddress = "web.ping." + UUID.randomUUID();
    this.ping = vertx.eventBus().localConsumer(pingAddress, m -> m.reply("pong"));
    this.checks = HealthChecks.create(vertx);
    checks.register("event-bus", CHECK_TIMEOUT_MS, p -> vertx.eventBus().request(pingAddress, "ping")
        .onSuccess(r -> p.complete(Status.OK()))
        .onFailure(t -> p.complete(Status.KO(cause(t)))));
    if (vertx.isClustered()) {
      checks.register("cluster", CHECK_TIMEOUT_MS, ClusterHealthCheck.createProcedure(vertx));
    }
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(CHECK_TIMEOUT_MS - 200);
    for (String service : services) {
      checks.register(service, CHECK_TIMEOUT_MS, p -> vertx.eventBus().<JsonObject>request(service + ".health", null, options)
          .onSuccess(reply -> {
            boolean up = "UP".equals(reply.body().getString("outcome", reply.body().getString("status")));
            p.complete(new Status().setOk(up).setData(reply.body()));
          })
          .onFailure(t -> p.complete(Status.KO(cause(t)))));
    }
  }

  void mount(Router router) {
    router.get("/health").handler(this::health);
    router.get("/metrics").handler(PrometheusScrapingHandler.create());
  }

  io.vertx.core.Future<Void> ready() {
    return ping.completion();
  }

  private void health(RoutingContext ctx) {
    checks.checkStatus()
        .onSuccess(result -> Http.json(ctx, result.getUp() ? 200 : 503, result.toJson()))
        .onFailure(ctx::fail);
  }

  private static JsonObject cause(Throwable t) {
    return new JsonObject().put("cause", String.valueOf(t.getMessage()));
  }
}
