package dev.microshop.app;

import com.hazelcast.core.HazelcastInstance;
import dev.microshop.common.cluster.ClusterConfig;
import dev.microshop.common.cluster.ShopClusterManager;
import io.vertx.core.Vertx;

/**
 * A bare member of the shop's cluster, for the network tests: it joins as a service does (the shop's
 * cluster manager and {@code cluster.xml}, the {@code MICROSHOP_CLUSTER_*} variables), prints
 * {@code JOINED}, then {@code MEMBERS n} each time the number of members it sees changes and
 * {@code SAFE true} or {@code SAFE false} each time Hazelcast's cluster safety changes (every
 * partition's replicas in place, no migration under way), until it is killed.
 */
public final class ClusterMemberMain {

  private ClusterMemberMain() {
  }

  public static void main(String[] args) throws Exception {
    ShopClusterManager manager = new ShopClusterManager(ClusterConfig.load(System.getenv()));
    Vertx.builder().withClusterManager(manager).buildClustered().toCompletionStage().toCompletableFuture().get();
    System.out.println("JOINED");
    HazelcastInstance hazelcast = manager.getHazelcastInstance();
    int lastMembers = 0;
    Boolean lastSafe = null;
    while (true) {
      int members = hazelcast.getCluster().getMembers().size();
      if (members != lastMembers) {
        System.out.println("MEMBERS " + members);
        lastMembers = members;
      }
      boolean safe = hazelcast.getPartitionService().isClusterSafe();
      if (!Boolean.valueOf(safe).equals(lastSafe)) {
        System.out.println("SAFE " + safe);
        lastSafe = safe;
      }
      Thread.sleep(50);
    }
  }
}
