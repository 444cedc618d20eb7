package dev.microshop.common;

import dev.microshop.common.cluster.ClusterConfig;
import dev.microshop.common.cluster.ClusterTls;
import dev.microshop.common.cluster.ShopClusterManager;
import dev.microshop.common.config.ConfigCheck;
import dev.microshop.common.db.EmbeddedPostgresServer;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.launcher.application.ExitCodes;
import io.vertx.launcher.application.HookContext;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;
import io.vertx.micrometer.MicrometerMetricsFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * The main class of every fat jar: Vert.x's {@link VertxApplication} (options {@code -cluster},
 * {@code -conf}, {@code -instances}; the verticle from the {@code Main-Verticle} manifest entry),
 * with Prometheus metrics on (and this JVM's own {@code /metrics} port when {@code MICROSHOP_METRICS_PORT}
 * is set) and, when clustered, Hazelcast configured by {@link ClusterConfig}.
 */
public final class Launcher extends VertxApplication implements VertxApplicationHooks {

  private static final Logger LOG = LoggerFactory.getLogger(Launcher.class);

  private final StartupSignals signals;
  private ShopClusterManager clusterManager;

  // VertxApplication finds Main-Verticle in the manifest whose Main-Class is this class
  private Launcher(String[] args, StartupSignals signals) {
    super(args, null, true, true);
    this.signals = signals;
  }

  public static void main(String[] args) {
    new Launcher(args, StartupSignals.install()).launch();
  }

  /** Unknown MICROSHOP_* variables: one warning line each, once per JVM, at start. */
  @Override
  public void beforeStartingVertx(HookContext context) {
    ConfigCheck.warnUnknownEnv(System.getenv());
  }

  /** This JVM's spans, for the admin's waterfall. */
  @Override
  public void afterVertxStarted(HookContext context) {
    dev.microshop.common.tracing.TraceCollector.serve(context.vertx());
  }

  /**
   * Once the shop serves, a signal is the graceful stop (until then, {@link StartupSignals}), and
   * its embedded servers stop after Vert.x has drained, not in parallel with it.
   */
  @Override
  public void afterVerticleDeployed(HookContext context) {
    EmbeddedPostgresServer.stoppedByLauncher();
    signals.started();
  }

  /**
   * A stop (SIGTERM, Ctrl-C) undeploys the HTTP edge first: the requests it has taken end with
   * their answers while every service of this JVM still serves them; then the rest.
   */
  @Override
  public void beforeStoppingVertx(HookContext context) {
    var edge = MicroshopVertx.undeployStopFirst(context.vertx());
    if (io.vertx.core.Context.isOnEventLoopThread()) {
      return; // never block an event loop (the JVM's shutdown hook calls this on its own thread)
    }
    try {
      edge.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("stopping the HTTP edge first failed: {}", e.toString());
    }
  }

  /**
   * Vert.x's start (mostly the cluster join) ended after the launcher's 2 minutes ({@code t} null):
   * the log says where each thread waited before the JVM exits.
   */
  @Override
  public void afterFailureToStartVertx(HookContext context, Throwable t) {
    if (t == null) {
      LOG.error("Vert.x did not start in 2 minutes; where this JVM's threads are: {}", ThreadDump.now());
    }
  }

  /**
   * A refused start ({@link StartRefused}: a data directory in use, a {@code -conf} of the wrong
   * shape) ends here with its one line, instead of the launcher's stack trace after it.
   */
  @Override
  public void afterFailureToDeployVerticle(HookContext context, Throwable t) {
    if (t == null) {
      LOG.error("the verticle did not deploy in 2 minutes; where this JVM's threads are: {}", ThreadDump.now());
      return;
    }
    StartRefused refused = StartRefused.in(t);
    if (refused != null) {
      LOG.error("not started: {}", refused.getMessage());
      System.exit(ExitCodes.VERTX_DEPLOYMENT); // the shutdown hooks still close Vert.x
    }
  }

  @Override
  public void afterVertxStopped(HookContext context) {
    EmbeddedPostgresServer.stopAll();
  }

  @Override
  public void afterFailureToStopVertx(HookContext context, Throwable t) {
    EmbeddedPostgresServer.stopAll();
  }

  @Override
  public VertxBuilder createVertxBuilder(VertxOptions options) {
    MicroshopVertx.metricsEndpoint(MicroshopVertx.configure(options), System.getenv());
    ClusterTls.apply(options.getEventBusOptions(), System.getenv());
    clusterManager = new ShopClusterManager(ClusterConfig.load(System.getenv()));
    return dev.microshop.common.tracing.Tracing.apply(io.vertx.core.Vertx.builder()
        .with(options)
        .withMetrics(new MicrometerMetricsFactory())
        .withClusterManager(clusterManager));
  }
}
