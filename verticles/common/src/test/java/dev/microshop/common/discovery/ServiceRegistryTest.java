package dev.microshop.common.discovery;

import dev.microshop.common.testing.ClusterMembers;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The registry on a real two-member Hazelcast cluster: records withdrawn from a live JVM come back. */
class ServiceRegistryTest {

  private static Vertx a;
  private static Vertx b;

  @BeforeAll
  static void cluster() throws Exception {
    // a cluster of our own, on loopback, below the ephemeral port range
    Map<String, String> env = ClusterMembers.env("registry-test");
    a = ClusterMembers.join(env);
    b = ClusterMembers.join(env);
  }

  @AfterAll
  static void close() throws Exception {
    ClusterMembers.close(b, a);
  }

  @Test
  @DisplayName("a record withdrawn while its JVM runs (a sweep with a stale member list, a member removed while alive) is published again")
  void republishesWithdrawnRecords() throws Exception {
    ServiceRegistry publisher = new ServiceRegistry(a);
    ServiceRegistry caller = new ServiceRegistry(b);
    ServiceDiscovery other = ServiceDiscovery.create(b, new ServiceDiscoveryOptions().setAnnounceAddress(ServiceRegistry.ANNOUNCE));
    try {
      String registration = await(publisher.publishEventBusService("alpha", "alpha")).getRegistration();
      await(caller.follow());
      assertThat(await(caller.address("alpha"))).isEqualTo("alpha");

      // another member withdraws it, as a sweep does for a node it does not see as a member
      await(other.unpublish(registration));
      assertThat(registrations(caller)).doesNotContain(registration);

      await(publisher.sweep());
      assertThat(registrations(caller)).containsOnlyOnce(registration);
      await(caller.sweep());
      assertThat(await(caller.address("alpha"))).isEqualTo("alpha");

      // a graceful stop withdraws for good
      await(publisher.unpublishAll());
      await(publisher.sweep());
      assertThat(registrations(caller)).doesNotContain(registration);
    } finally {
      other.close();
      publisher.close();
      caller.close();
    }
  }

  @Test
  @DisplayName("a burst of announcements makes one or two reads of the registry, not one each")
  void coalescesAnnouncements() throws Exception {
    ServiceRegistry caller = new ServiceRegistry(b);
    try {
      await(caller.follow());
      AtomicInteger reads = new AtomicInteger();
      caller.onSweep(peers -> reads.incrementAndGet());
      for (int i = 0; i < 30; i++) {
        a.eventBus().publish(ServiceRegistry.ANNOUNCE, new JsonObject().put("burst", i));
      }
      Thread.sleep(1_000);
      // the first announcement starts a read, those during it make one more; the timer may add one.
      // On a loaded machine the burst reaches b spread out over the cluster's connection, so a few
      // reads can end between its parts (5 seen once in a full suite run): far from one per
      // announcement (30 when the consumer refreshed directly)
      assertThat(reads.get()).isBetween(1, 10);
    } finally {
      caller.close();
    }
  }

  private static List<String> registrations(ServiceRegistry registry) throws Exception {
    return await(registry.records()).stream().map(r -> r.getString("registration")).toList();
  }
}