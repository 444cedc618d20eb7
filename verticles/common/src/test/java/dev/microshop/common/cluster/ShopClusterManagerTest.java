package dev.microshop.common.cluster;

import com.hazelcast.cluster.Address;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import dev.microshop.common.testing.ClusterMembers;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two clustered Vert.x of one cluster name that do not know each other (the halves of a healed
 * partition), and the smaller one told to merge, as a master's {@code MergeClustersOp} tells it,
 * while its cluster manager is busy with a membership change: in a CI-like run of MultiHostIT the
 * handling of a removed member held the manager's monitor for two minutes, and the member that had
 * to merge stayed a cluster of one.
 */
class ShopClusterManagerTest {

  private Vertx x;
  private Vertx y;

  @AfterEach
  void close() throws Exception {
    ClusterMembers.close(x, y);
  }

  /** A cluster of one on a port of its own, whose join looks at no other port. */
  private static Map<String, String> alone(String name, int port) {
    return Map.of("MICROSHOP_CLUSTER_NAME", name, "MICROSHOP_CLUSTER_PORT", Integer.toString(port),
        "MICROSHOP_CLUSTER_PORT_COUNT", "1", "MICROSHOP_CLUSTER_MEMBERS", "127.0.0.1:" + port);
  }

  @Test
  void aMergeGoesOnWhileTheManagerHandlesAMembershipChange() throws Exception {
    String name = "merge-" + UUID.randomUUID();
    int port = 20_000 + ThreadLocalRandom.current().nextInt(8_000);
    ShopClusterManager smaller = new ShopClusterManager(ClusterConfig.load(alone(name, port)));
    ShopClusterManager larger = new ShopClusterManager(ClusterConfig.load(alone(name, port + 1)));
    x = await(Vertx.builder().withClusterManager(smaller).buildClustered());
    y = await(Vertx.builder().withClusterManager(larger).buildClustered());
    await(y.eventBus().consumer("merge-test", m -> m.reply("from y")).completion());
    assertThat(smaller.getNodes()).hasSize(1);

    // the manager's monitor held, as its handling of a removed member held it
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread removal = new Thread(() -> {
      synchronized (smaller) {
        held.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }, "busy-membership-handler");
    removal.start();
    assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
    try {
      Address target = larger.getHazelcastInstance().getCluster().getLocalMember().getAddress();
      // what MergeClustersOp runs on a member of the smaller cluster (synchronously, like it)
      Thread merge = new Thread(() -> ((HazelcastInstanceProxy) smaller.getHazelcastInstance()).getOriginal()
          .node.getClusterService().merge(target), "merge");
      merge.start();
      merge.join(60_000);
      assertThat(merge.isAlive()).as("the merge waited for the cluster manager's monitor").isFalse();
      assertThat(larger.getHazelcastInstance().getCluster().getMembers()).as("the merged cluster").hasSize(2);
      assertThat(removal.isAlive()).as("the membership handling still holds the monitor").isTrue();
    } finally {
      release.countDown();
    }

    // then Vert.x's view of the nodes is reconciled: the smaller side reaches a consumer of the other
    long deadline = System.currentTimeMillis() + 30_000;
    String reply = null;
    while (reply == null) {
      try {
        reply = await(x.eventBus().<String>request("merge-test", "hi", new DeliveryOptions().setSendTimeout(2_000))).body();
      } catch (Exception e) {
        assertThat(System.currentTimeMillis()).as("a reply across the merged cluster: %s", e.toString()).isLessThan(deadline);
        Thread.sleep(200);
      }
    }
    assertThat(reply).isEqualTo("from y");
    assertThat(smaller.getNodes()).hasSize(2);
  }

  /** Every member of the shop's cluster runs the watchdogs' two checks while it is a member, and only then. */
  @Test
  void aJoinedMemberRunsTheWatchdogsUntilItLeaves() throws Exception {
    ShopClusterManager manager = new ShopClusterManager(ClusterConfig.load(ClusterMembers.env("watchdogs")));
    assertThat(manager.watchdogs()).isNull();
    x = await(Vertx.builder().withClusterManager(manager).buildClustered());
    ShopClusterManager.Watchdogs watchdogs = manager.watchdogs();
    assertThat(watchdogs).isNotNull();
    assertThat(watchdogs.checks()).as("the migration and silent-peer checks").hasSize(2)
        .allSatisfy(check -> assertThat(check.isDone()).isFalse());
    assertThat(watchdogs.thread().isShutdown()).isFalse();
    ClusterMembers.close(x);
    x = null;
    assertThat(watchdogs.thread().isShutdown()).as("the watchdogs' thread after the member left").isTrue();
    assertThat(watchdogs.thread().awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }
}
