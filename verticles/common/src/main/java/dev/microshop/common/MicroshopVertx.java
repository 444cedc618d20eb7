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

  /** Metrics (Prometheus, JVM) on. */
  public static VertxOptions configure(VertxOptions options) {
    return options.setMetricsOptions(new MicrometerMetricsOptions()
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
    return Vertx.builder().with(configure(new VertxOptions())).withMetrics(new MicrometerMetricsFactory()).build();
  }

  /** Completes after {@code ms} milliseconds. */
  public static Future<Void> delay(Vertx vertx, long ms) {
    return Future.future(p -> vertx.setTimer(ms, id -> p.complete()));
  }
}
