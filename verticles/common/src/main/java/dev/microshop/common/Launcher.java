package dev.microshop.common;

import dev.microshop.common.cluster.ClusterConfig;
import dev.microshop.common.cluster.ClusterTls;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * The main class of every fat jar: Vert.x's {@link VertxApplication} (options {@code -cluster},
 * {@code -conf}, {@code -instances}; the verticle from the {@code Main-Verticle} manifest entry),
 * with Prometheus metrics on (and this JVM's own {@code /metrics} port when {@code MICROSHOP_METRICS_PORT}
 * is set) and, when clustered, Hazelcast configured by {@link ClusterConfig}.
 */
public final class Launcher extends VertxApplication implements VertxApplicationHooks {

  // VertxApplication finds Main-Verticle in the manifest whose Main-Class is this class
  private Launcher(String[] args) {
    super(args, null, true, true);
  }

  public static void main(String[] args) {
    new Launcher(args).launch();
  }

  @Override
  public VertxBuilder createVertxBuilder(VertxOptions options) {
    MicroshopVertx.metricsEndpoint(MicroshopVertx.configure(options), System.getenv());
    ClusterTls.apply(options.getEventBusOptions(), System.getenv());
    return io.vertx.core.Vertx.builder()
        .with(options)
        .withMetrics(new MicrometerMetricsFactory())
        .withClusterManager(new HazelcastClusterManager(ClusterConfig.load(System.getenv())));
  }
}
