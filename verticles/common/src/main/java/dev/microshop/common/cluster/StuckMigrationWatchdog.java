package dev.microshop.common.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.impl.HazelcastInstanceImpl;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.internal.cluster.impl.ClusterServiceImpl;
import com.hazelcast.internal.partition.MigrationInfo;
import com.hazelcast.internal.partition.PartitionReplica;
import com.hazelcast.internal.partition.impl.InternalPartitionImpl;
import com.hazelcast.internal.partition.impl.InternalPartitionServiceImpl;
import com.hazelcast.internal.partition.impl.MigrationManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Frees a Hazelcast partition left "migrating" on this member.
 *
 * <p>While a partition migrates away from a member, that member refuses every write to it
 * ({@code PartitionMigratingException}); the flag is cleared only when the master's verdict on the
 * migration comes back to it. Killed members showed that the verdict can be lost: a migration to a
 * member that joined and was killed at once, or a master that died in between, left the flag set for
 * good. Every Vert.x registration hashed to that partition then failed for minutes (a restarted
 * service never got its consumers, deploys timed out), and a split-brain merge was refused
 * ("Still have pending migration tasks"). Upstream: hazelcast#5065, #19551.
 *
 * <p>Every {@link #check} looks at the partitions this member flags as migrating. One flagged for
 * {@code stuckAfterMillis} with the same migration (or none) is stuck, since a migration of the
 * shop's few entries takes milliseconds:
 * <ul>
 *   <li>with no active migration, the flag is cleared;</li>
 *   <li>with an active migration, it is finalized here as Hazelcast would on the master's verdict:
 *       a success when this member's partition table already shows the migration applied, else a
 *       failure (a rollback: the source keeps its data). Only a migration whose other member has left
 *       the cluster, or whose master is no longer the master, is finalized: otherwise its verdict
 *       can still come, and the watchdog only logs.</li>
 * </ul>
 * It uses Hazelcast's internal partition classes (5.3), with nothing to replace them in the public
 * API; a Hazelcast upgrade must keep {@code StuckMigrationWatchdogTest} green.
 */
public final class StuckMigrationWatchdog {

  private static final Logger LOG = LoggerFactory.getLogger(StuckMigrationWatchdog.class);
  /** How long a partition may stay migrating before it is taken as stuck (in the shop, by default). */
  public static final long STUCK_AFTER_MILLIS = 30_000;

  private final HazelcastInstanceImpl hazelcast;
  private final long stuckAfterMillis;
  /** partition id → what was seen first, and when */
  private final Map<Integer, Seen> flagged = new HashMap<>();
  private final Method finalizeActive;
  private long healed;

  private record Seen(Object migration, long since, boolean reported) {
  }

  public StuckMigrationWatchdog(HazelcastInstance instance, long stuckAfterMillis) {
    this.hazelcast = instance instanceof HazelcastInstanceProxy proxy ? proxy.getOriginal() : (HazelcastInstanceImpl) instance;
    this.stuckAfterMillis = stuckAfterMillis;
    try {
      // what the member runs on the master's verdict (package-private: no public way to it)
      finalizeActive = MigrationManager.class.getDeclaredMethod("scheduleActiveMigrationFinalization", MigrationInfo.class);
      finalizeActive.setAccessible(true);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("this Hazelcast version has no MigrationManager.scheduleActiveMigrationFinalization", e);
    }
  }

  /** How many stuck partitions this watchdog has freed. */
  public synchronized long healed() {
    return healed;
  }

  /** One look at every partition; call it every few seconds. Returns how many partitions it freed. */
  public synchronized int check(long nowMillis) {
    if (!hazelcast.getLifecycleService().isRunning()) {
      return 0;
    }
    InternalPartitionServiceImpl partitions = hazelcast.node.partitionService;
    MigrationManager migrations = partitions.getMigrationManager();
    int freed = 0;
    for (int id = 0; id < partitions.getPartitionCount(); id++) {
      if (!partitions.getPartitionStateManager().isMigrating(id)) {
        flagged.remove(id);
        continue;
      }
      MigrationInfo active = migrations.getActiveMigration(id);
      Object key = active == null ? "none" : active.getUid();
      Seen seen = flagged.get(id);
      if (seen == null || !Objects.equals(seen.migration(), key)) {
        flagged.put(id, new Seen(key, nowMillis, false));
        continue;
      }
      long forMillis = nowMillis - seen.since();
      if (forMillis < stuckAfterMillis) {
        continue;
      }
      if (free(partitions, migrations, id, active, forMillis, seen.reported())) {
        flagged.remove(id);
        freed++;
        healed++;
      } else if (!seen.reported()) {
        flagged.put(id, new Seen(key, seen.since(), true));
      }
    }
    return freed;
  }

  private boolean free(InternalPartitionServiceImpl partitions, MigrationManager migrations, int id, MigrationInfo active,
                       long forMillis, boolean reported) {
    if (active == null) {
      LOG.warn("Hazelcast partition {} has been flagged as migrating for {} s with no migration under way: clearing the flag",
          id, forMillis / 1000);
      partitions.getPartitionStateManager().clearMigratingFlag(id);
      return true;
    }
    ClusterServiceImpl cluster = hazelcast.node.getClusterService();
    String gone = gone(cluster, active.getSource(), "source") + gone(cluster, active.getDestination(), "destination")
        + (Objects.equals(active.getMaster(), cluster.getMasterAddress()) ? "" : " its master " + active.getMaster() + " no longer is the master;");
    if (gone.isEmpty()) {
      if (!reported) {
        LOG.warn("Hazelcast partition {} has been migrating for {} s, its members and master still here, waiting: {}",
            id, forMillis / 1000, active);
      }
      return false;
    }
    InternalPartitionImpl partition = partitions.getPartitionStateManager().getPartitionImpl(id);
    PartitionReplica local = PartitionReplica.from(hazelcast.node.getLocalMember());
    boolean source = local.equals(active.getSource());
    int index = partition.getReplicaIndex(local);
    boolean applied = source
        ? index == active.getSourceNewReplicaIndex() && index != active.getSourceCurrentReplicaIndex()
        : index == active.getDestinationNewReplicaIndex() && index != active.getDestinationCurrentReplicaIndex();
    MigrationInfo.MigrationStatus verdict = applied ? MigrationInfo.MigrationStatus.SUCCESS : MigrationInfo.MigrationStatus.FAILED;
    LOG.warn("Hazelcast partition {} has been migrating for {} s and its verdict can no longer come ({}): finalizing it here as {}: {}",
        id, forMillis / 1000, gone.trim(), verdict, active);
    try {
      finalizeActive.invoke(migrations, active.setStatus(verdict));
      return true;
    } catch (ReflectiveOperationException e) {
      LOG.error("could not finalize the stuck migration of partition {}", id, e);
      return false;
    }
  }

  private static String gone(ClusterServiceImpl cluster, PartitionReplica replica, String role) {
    if (replica == null || cluster.getMember(replica.address(), replica.uuid()) != null) {
      return "";
    }
    return " its " + role + " " + replica + " has left;";
  }
}
