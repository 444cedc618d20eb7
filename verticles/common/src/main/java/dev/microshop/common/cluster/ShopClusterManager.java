package dev.microshop.common.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.core.LifecycleEvent;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * Vert.x's Hazelcast cluster manager, with its lifecycle events kept off Hazelcast's merge thread.
 *
 * <p>{@link HazelcastClusterManager} handles membership changes under its own monitor, and the
 * handling of a member that left scans the whole {@code __vertx.subs} multimap there, a blocking
 * call. Right after a partition, with the partition table unsettled, that scan retried for two
 * minutes (MultiHostIT in a CI-like run: {@code Failed to handle memberRemoved} 119 s after the
 * member left). Its {@code stateChanged} takes the same monitor for every lifecycle event, though it
 * acts on {@code MERGED} only; and Hazelcast fires {@code MERGING} from the thread that runs the
 * split-brain merge, under its lifecycle lock, before the member leaves its cluster. So a merge
 * instructed while a removal was being handled waited for that scan, then for the next removals'
 * (the event thread wins the monitor back), and the member stayed a cluster of one, its merge
 * search stopped, for as long as the test looked (3.5 minutes).
 *
 * <p>Here every event but {@code MERGED} returns at once, and {@code MERGED}, which reconciles
 * Vert.x's view of the nodes under that monitor, is handed to a thread of its own, so that neither
 * the merge nor Hazelcast's lifecycle lock (which a later merge and the shutdown take) waits on a
 * scan. Upstream: vert-x3/vertx-hazelcast#215 (the scan under the monitor, from {@code MERGED}).
 */
public final class ShopClusterManager extends HazelcastClusterManager {

  public ShopClusterManager(Config config) {
    super(config);
  }

  @Override
  public void stateChanged(LifecycleEvent event) {
    if (event.getState() != LifecycleEvent.LifecycleState.MERGED) {
      return; // what HazelcastClusterManager does with them, without waiting for its monitor
    }
    Thread reconcile = new Thread(() -> super.stateChanged(event), "microshop-cluster-merged");
    reconcile.setDaemon(true);
    reconcile.start();
  }
}
