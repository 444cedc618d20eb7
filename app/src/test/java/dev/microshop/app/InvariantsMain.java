package dev.microshop.app;

import dev.microshop.common.cluster.ClusterConfig;
import dev.microshop.common.cluster.ClusterTls;
import dev.microshop.common.cluster.ShopClusterManager;
import dev.microshop.invariants.Invariants;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

import java.util.concurrent.TimeUnit;

/**
 * The shop's invariants ({@link Invariants}) checked by a cluster member of its own, for a test
 * whose JVM cannot join the cluster itself (MultiHostIT: the cluster lives in network namespaces,
 * so this runs in one of them). Joins with the MICROSHOP_CLUSTER_* variables (event-bus TLS
 * included), prints {@code invariants hold: N checks} and exits 0, or prints the violation and
 * exits 1.
 */
public final class InvariantsMain {

  private InvariantsMain() {
  }

  public static void main(String[] args) throws Exception {
    VertxOptions options = new VertxOptions();
    ClusterTls.apply(options.getEventBusOptions(), System.getenv());
    Vertx member = Vertx.builder().with(options)
        .withClusterManager(new ShopClusterManager(ClusterConfig.load(System.getenv())))
        .buildClustered().toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
    int status = 0;
    try {
      System.out.println("invariants hold: " + Invariants.assertHold(member) + " checks");
    } catch (AssertionError | Exception e) {
      System.out.println("invariants violated: " + e.getMessage());
      status = 1;
    }
    Runtime.getRuntime().halt(status); // no graceful leave needed: the test reads the status only
  }
}
