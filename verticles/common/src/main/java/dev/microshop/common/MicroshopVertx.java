package dev.microshop.common;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;

/** The Vert.x options every Microshop JVM runs with, in the launcher and in tests alike. */
public final class MicroshopVertx {

  private MicroshopVertx() {
  }

  /**
   * Metrics (Prometheus, JVM) on; Netty's native transport when this machine has it (epoll on Linux
   * x86-64, in every jar), Java's NIO elsewhere.
   */
  public static VertxOptions configure(VertxOptions options) {
    return options.setPreferNativeTransport(true).setMetricsOptions(new MicrometerMetricsOptions()
        .setEnabled(true)
        .setJvmMetricsEnabled(true)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
  }

  /**
   * This JVM's own {@code /metrics} endpoint, for a JVM that serves no HTTP itself (a clustered
   * service: only the web JVM has the shop's port): with {@code MICROSHOP_METRICS_PORT} set,
   * Prometheus can scrape {@code http://<MICROSHOP_METRICS_HOST, default 127.0.0.1>:<port>/metrics}.
   */
  public static VertxOptions metricsEndpoint(VertxOptions options, java.util.Map<String, String> env) {
    String port = env.get("MICROSHOP_METRICS_PORT");
    if (port == null || port.isBlank()) {
      return options;
    }
    String host = env.getOrDefault("MICROSHOP_METRICS_HOST", "127.0.0.1");
    ((MicrometerMetricsOptions) options.getMetricsOptions()).getPrometheusOptions()
        .setStartEmbeddedServer(true)
        .setEmbeddedServerOptions(new io.vertx.core.http.HttpServerOptions().setHost(host)
            .setPort(Integer.parseInt(port.trim())))
        .setEmbeddedServerEndpoint("/metrics");
    return options;
  }

  /** A local (not clustered) Vert.x as the all-in-one shop runs it. */
  public static Vertx localVertx() {
    Vertx vertx = dev.microshop.common.tracing.Tracing.apply(Vertx.builder().with(configure(new VertxOptions()))
        .withMetrics(new MicrometerMetricsFactory())).build();
    dev.microshop.common.tracing.TraceCollector.serve(vertx);
    return vertx;
  }

  /** Completes after {@code ms} milliseconds. */
  public static Future<Void> delay(Vertx vertx, long ms) {
    return Future.future(p -> vertx.setTimer(ms, id -> p.complete()));
  }

  private static final String STOP_FIRST = "microshop.stop-first";

  /**
   * Marks a deployment to be undeployed before every other one when the launcher stops Vert.x:
   * the HTTP edge, so that the requests it has taken end while the services still answer them.
   */
  public static void stopFirst(Vertx vertx, String deploymentId) {
    vertx.sharedData().getLocalMap(STOP_FIRST).put(deploymentId, Boolean.TRUE);
  }

  /** Undeploys the deployments marked by {@link #stopFirst}. */
  public static Future<Void> undeployStopFirst(Vertx vertx) {
    var marked = vertx.sharedData().<String, Boolean>getLocalMap(STOP_FIRST);
    var ids = java.util.List.copyOf(marked.keySet());
    marked.clear();
    return Future.join(ids.stream().filter(vertx.deploymentIDs()::contains).map(vertx::undeploy).toList()).mapEmpty();
  }
}
