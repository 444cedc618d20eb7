package dev.microshop.app;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.microshop.common.cluster.ClusterConfig;

import java.time.LocalTime;

/**
 * A bare Hazelcast member with the shop's cluster settings ({@code cluster.xml} and the
 * {@code MICROSHOP_CLUSTER_*} variables, as {@link ClusterConfig} gives every service), for the
 * network tests of Hazelcast's own behaviour: no Vert.x, so nothing of a Vert.x start (its
 * registrations, its puts) waits on the cluster the test disturbs. Writes one entry, as a Vert.x
 * member's join does (Hazelcast assigns its partitions at their first use), prints {@code JOINED}, then
 * {@code MEMBERS n} each time the number of members it sees changes and {@code SAFE true} or
 * {@code SAFE false} each time Hazelcast's cluster safety changes (every partition's replicas in
 * place, no migration under way), each line after the time of day, until it is killed.
 */
public final class ClusterMemberMain {

  private ClusterMemberMain() {
  }

  public static void main(String[] args) throws Exception {
    HazelcastInstance hazelcast = Hazelcast.newHazelcastInstance(ClusterConfig.load(System.getenv()));
    // Hazelcast assigns its partitions at the first use of one: a write, as a Vert.x member's join makes,
    // so that a member that joins later has partitions to take over (migrations)
    hazelcast.getMap("members").put(hazelcast.getCluster().getLocalMember().getUuid().toString(), "joined");
    print("JOINED");
    int lastMembers = 0;
    Boolean lastSafe = null;
    while (true) {
      int members = hazelcast.getCluster().getMembers().size();
      if (members != lastMembers) {
        print("MEMBERS " + members);
        lastMembers = members;
      }
      boolean safe = hazelcast.getPartitionService().isClusterSafe();
      if (!Boolean.valueOf(safe).equals(lastSafe)) {
        print("SAFE " + safe);
        lastSafe = safe;
      }
      Thread.sleep(50);
    }
  }

  private static void print(String line) {
    System.out.println(LocalTime.now() + " " + line);
  }
}
