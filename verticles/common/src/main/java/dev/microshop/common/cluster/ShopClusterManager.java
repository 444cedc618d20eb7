package dev.microshop.common.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Completable;
import io.vertx.micrometer.backends.BackendRegistries;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

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
 *
 * <p>Once joined, the member runs two watchdogs on a daemon thread of their own, until it leaves:
 * {@link StuckMigrationWatchdog} every 5 s and {@link SilentPeerWatchdog} every second. Here, not
 * in the launcher, so that every JVM that joins the shop's cluster has them (the services, the
 * tests' and tools' members): a member without the silent-peer watchdog spins with a stalled peer,
 * and was removed itself in a test. Their own thread: a stuck partition blocks Vert.x's worker
 * threads in Hazelcast calls (for up to 120 s each), so a watchdog queued behind them would not run
 * when needed.
 */
public final class ShopClusterManager extends HazelcastClusterManager {

  private static final Logger LOG = LoggerFactory.getLogger(ShopClusterManager.class);
  private volatile Watchdogs watchdogs;

  /** The watchdogs' thread and their periodic checks (package-private for the tests). */
  record Watchdogs(ScheduledExecutorService thread, List<ScheduledFuture<?>> checks) {
  }

  public ShopClusterManager(Config config) {
    super(config);
  }

  /** The watchdogs of this member, or null before its join or if they could not start. */
  Watchdogs watchdogs() {
    return watchdogs;
  }

  @Override
  public void join(Completable<Void> promise) {
    super.join((result, failure) -> {
      if (failure == null && watchdogs == null) {
        try {
          watchdogs = startWatchdogs(getHazelcastInstance());
        } catch (RuntimeException e) { // e.g. a Hazelcast upgrade without the internals they use: the member still serves
          LOG.error("the cluster watchdogs did not start: {}", e.toString(), e);
        }
      }
      promise.complete(result, failure);
    });
  }

  @Override
  public void leave(Completable<Void> promise) {
    Watchdogs running = watchdogs;
    if (running != null) {
      running.thread().shutdownNow();
    }
    super.leave(promise);
  }

  private static Watchdogs startWatchdogs(HazelcastInstance hazelcast) {
    var migrations = new StuckMigrationWatchdog(hazelcast, StuckMigrationWatchdog.STUCK_AFTER_MILLIS);
    var peers = new SilentPeerWatchdog(hazelcast, SilentPeerWatchdog.SILENT_AFTER_MILLIS);
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    if (registry != null) {
      FunctionCounter.builder("microshop_cluster_silent_peer_closes", peers, SilentPeerWatchdog::closed)
          .description("cluster connections this member closed because their peer never answered Hazelcast's protocol header (a stalled process)")
          .register(registry);
      FunctionCounter.builder("microshop_cluster_stuck_migrations_freed", migrations, StuckMigrationWatchdog::healed)
          .description("Hazelcast partitions this member freed from a migration flag left set")
          .register(registry);
    }
    ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "microshop-cluster-watchdog");
      t.setDaemon(true);
      return t;
    });
    return new Watchdogs(thread, List.of(
        thread.scheduleWithFixedDelay(() -> watch("migration", () -> migrations.check(monotonicMillis())),
            5, 5, TimeUnit.SECONDS),
        thread.scheduleWithFixedDelay(() -> watch("silent peer", () -> peers.check(monotonicMillis())),
            SilentPeerWatchdog.CHECK_EVERY_MILLIS, SilentPeerWatchdog.CHECK_EVERY_MILLIS, TimeUnit.MILLISECONDS)));
  }

  private static long monotonicMillis() {
    return System.nanoTime() / 1_000_000;
  }

  private static void watch(String watchdog, Runnable check) {
    try {
      check.run();
    } catch (RuntimeException e) {
      LOG.warn("the {} watchdog's check failed: {}", watchdog, e.toString());
    }
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
