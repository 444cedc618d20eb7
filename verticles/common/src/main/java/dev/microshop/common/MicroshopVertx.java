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

  /** A local (not clustered) Vert.x as the all-in-one shop runs it. */
  public static Vertx localVertx() {
    return Vertx.builder().with(configure(new VertxOptions())).withMetrics(new MicrometerMetricsFactory()).build();
  }

  /** Completes after {@code ms} milliseconds. */
  public static Future<Void> delay(Vertx vertx, long ms) {
    return Future.future(p -> vertx.setTimer(ms, id -> p.complete()));
  }
}
