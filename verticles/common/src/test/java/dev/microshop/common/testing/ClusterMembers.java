package dev.microshop.common.testing;

import dev.microshop.common.cluster.ClusterConfig;
import dev.microshop.common.cluster.ShopClusterManager;
import io.vertx.core.Vertx;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import static dev.microshop.common.testing.Await.await;

/** Clustered Vert.x in this JVM, one per "machine", on a Hazelcast cluster of a test's own. */
public final class ClusterMembers {

  private ClusterMembers() {
  }

  /** The environment of a new cluster named after {@code name}: on loopback, below the ephemeral port range. */
  public static Map<String, String> env(String name) {
    return Map.of(
        "MICROSHOP_CLUSTER_NAME", name + "-" + UUID.randomUUID(),
        "MICROSHOP_CLUSTER_PORT", Integer.toString(20_000 + ThreadLocalRandom.current().nextInt(8_000)));
  }

  /** A new member of the cluster of {@code env}. */
  public static Vertx join(Map<String, String> env) throws Exception {
    return await(Vertx.builder().withClusterManager(new ShopClusterManager(ClusterConfig.load(env))).buildClustered());
  }

  /** Closes the members in this order, leaving out the ones that never started (null). */
  public static void close(Vertx... members) throws Exception {
    for (Vertx member : members) {
      if (member != null) {
        await(member.close());
      }
    }
  }
}
