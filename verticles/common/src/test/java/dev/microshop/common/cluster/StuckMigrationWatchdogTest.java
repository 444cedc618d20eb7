package dev.microshop.common.cluster;

import com.hazelcast.cluster.Address;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.impl.HazelcastInstanceImpl;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.internal.partition.MigrationInfo;
import com.hazelcast.internal.partition.PartitionReplica;
import com.hazelcast.internal.partition.impl.InternalPartitionServiceImpl;
import dev.microshop.common.testing.ClusterMembers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real Hazelcast member with one of its partitions left "migrating", as killed members left it:
 * a write to that partition waits, and the watchdog frees it once the threshold has passed, and
 * only then.
 */
class StuckMigrationWatchdogTest {

  private static final long STUCK_AFTER = 30_000;
  private static HazelcastInstance hz;
  private static InternalPartitionServiceImpl partitions;

  @BeforeAll
  static void start() {
    hz = Hazelcast.newHazelcastInstance(ClusterConfig.load(ClusterMembers.env("watchdog")));
    partitions = original().node.partitionService;
    hz.getMap("warm-up").put("k", "v"); // the partition table is arranged on first use
  }

  @AfterAll
  static void stop() {
    if (hz != null) {
      hz.shutdown();
    }
  }

  private static HazelcastInstanceImpl original() {
    return ((HazelcastInstanceProxy) hz).getOriginal();
  }

  private static int partitionOf(String key) {
    return hz.getPartitionService().getPartition(key).getPartitionId();
  }

  @Test
  void aFlagWithoutMigrationIsClearedAfterTheThreshold() throws Exception {
    String key = "no-migration";
    int id = partitionOf(key);
    assertThat(partitions.getPartitionStateManager().trySetMigratingFlag(id)).isTrue();
    CompletableFuture<Object> write = hz.getMap("writes").putAsync(key, "1").toCompletableFuture();
    var watchdog = new StuckMigrationWatchdog(hz, STUCK_AFTER);

    assertThat(watchdog.check(0)).isZero();
    assertThat(watchdog.check(STUCK_AFTER - 1)).isZero();
    Thread.sleep(1_000);
    assertThat(write).as("a write to a migrating partition waits").isNotDone();

    assertThat(watchdog.check(STUCK_AFTER)).isEqualTo(1);
    assertThat(partitions.getPartitionStateManager().isMigrating(id)).isFalse();
    write.get(10, TimeUnit.SECONDS);
    assertThat(hz.getMap("writes").get(key)).isEqualTo("1");
    assertThat(watchdog.healed()).isEqualTo(1);
  }

  @Test
  void aMigrationToAMemberThatLeftIsRolledBack() throws Exception {
    String key = "gone-destination";
    int id = partitionOf(key);
    PartitionReplica local = PartitionReplica.from(original().node.getLocalMember());
    PartitionReplica gone = new PartitionReplica(new Address("127.0.0.1", 1), UUID.randomUUID());
    MigrationInfo migration = new MigrationInfo(id, local, gone, 0, -1, -1, 0)
        .setMaster(original().node.getThisAddress());
    start(migration);
    CompletableFuture<Object> write = hz.getMap("writes").putAsync(key, "2").toCompletableFuture();
    var watchdog = new StuckMigrationWatchdog(hz, STUCK_AFTER);

    assertThat(watchdog.check(1_000)).isZero();
    assertThat(watchdog.check(1_000 + STUCK_AFTER / 2)).isZero();
    assertThat(write).isNotDone();

    assertThat(watchdog.check(1_000 + STUCK_AFTER)).isEqualTo(1);
    write.get(10, TimeUnit.SECONDS); // the finalization runs on the partition's thread
    assertThat(partitions.getPartitionStateManager().isMigrating(id)).isFalse();
    assertThat(partitions.getMigrationManager().getActiveMigration(id)).isNull();
    assertThat(partitions.getPartitionStateManager().getPartitionImpl(id).getOwnerReplicaOrNull())
        .as("a rollback: the source still owns the partition").isEqualTo(local);
    assertThat(hz.getMap("writes").get(key)).isEqualTo("2");
  }

  @Test
  void aMigrationWhoseMembersAndMasterAreHereIsLeftToHazelcast() throws Exception {
    String key = "members-here";
    int id = partitionOf(key);
    PartitionReplica local = PartitionReplica.from(original().node.getLocalMember());
    MigrationInfo migration = new MigrationInfo(id, local, local, 0, -1, -1, 0)
        .setMaster(original().node.getThisAddress());
    start(migration);
    var watchdog = new StuckMigrationWatchdog(hz, STUCK_AFTER);
    try {
      assertThat(watchdog.check(0)).isZero();
      assertThat(watchdog.check(10 * STUCK_AFTER)).isZero();
      assertThat(partitions.getPartitionStateManager().isMigrating(id)).isTrue();
      assertThat(partitions.getMigrationManager().getActiveMigration(id)).isSameAs(migration);
    } finally { // as its verdict would
      var finalize = partitions.getMigrationManager().getClass()
          .getDeclaredMethod("scheduleActiveMigrationFinalization", MigrationInfo.class);
      finalize.setAccessible(true);
      finalize.invoke(partitions.getMigrationManager(), migration.setStatus(MigrationInfo.MigrationStatus.FAILED));
    }
  }

  /** What the source of a migration sets when the master asks it to migrate (MigrationRequestOperation). */
  private static void start(MigrationInfo migration) {
    assertThat(partitions.getMigrationManager().addActiveMigration(migration)).isNull();
    assertThat(partitions.getPartitionStateManager().trySetMigratingFlag(migration.getPartitionId())).isTrue();
  }
}
