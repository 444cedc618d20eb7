package dev.microshop.common.cluster;

import com.hazelcast.cluster.Address;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.EndpointQualifier;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.internal.networking.nio.NioChannel;
import com.hazelcast.internal.networking.nio.NioPipeline;
import com.hazelcast.internal.nio.ConnectionType;
import com.hazelcast.internal.server.Server;
import com.hazelcast.internal.server.ServerConnection;
import com.hazelcast.internal.server.tcp.TcpServerConnection;
import com.hazelcast.internal.util.counters.SwCounter;
import dev.microshop.common.testing.ClusterMembers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real Hazelcast member connecting to a peer that never answers: a listening socket nobody reads,
 * as the kernel of a stalled (SIGSTOPped) member accepts connections for it. The member's output
 * pipeline spins until the watchdog closes that connection, after the threshold and only then; a
 * member that answers is never closed. Each looks at its own connection only: Hazelcast's
 * split-brain search may open others meanwhile.
 */
class SilentPeerWatchdogTest {

  private static final long SILENT_AFTER = 2_000;
  private static Map<String, String> env;
  private static HazelcastInstance hz;

  @BeforeAll
  static void start() {
    env = ClusterMembers.env("silent-peer");
    hz = Hazelcast.newHazelcastInstance(ClusterConfig.load(env));
  }

  @AfterAll
  static void stop() {
    Hazelcast.shutdownAll();
  }

  private static Server server() {
    return ((HazelcastInstanceProxy) hz).getOriginal().node.getServer();
  }

  private static Optional<ServerConnection> connectionTo(int port) {
    return server().getConnections().stream()
        .filter(c -> c.getRemoteSocketAddress() != null && c.getRemoteSocketAddress().getPort() == port)
        .findFirst();
  }

  /** How many times the connection's output pipeline ran within {@code millis}. */
  private static long outputRuns(ServerConnection connection, long millis) throws Exception {
    NioPipeline pipeline = ((NioChannel) ((TcpServerConnection) connection).getChannel()).outboundPipeline();
    Field field = NioPipeline.class.getDeclaredField("processCount");
    field.setAccessible(true);
    SwCounter runs = (SwCounter) field.get(pipeline);
    long before = runs.get();
    Thread.sleep(millis);
    return runs.get() - before;
  }

  @Test
  void aConnectionToAStalledPeerIsClosedAfterTheThresholdAndThreeLooks() throws Exception {
    try (ServerSocket stalled = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
         ServerSocket stalledToo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      var watchdog = new SilentPeerWatchdog(hz, SILENT_AFTER);
      ServerConnection connection = connectTo(stalled);
      assertThat(connection.getConnectionType()).isEqualTo(ConnectionType.NONE);

      // Hazelcast's spin, what the watchdog is there for: the pipeline runs again and again, its
      // handshake queued, waiting for the peer's protocol header (6.4 million runs in 1 s here)
      assertThat(outputRuns(connection, 1_000)).as("output pipeline runs in 1 s while the peer is silent")
          .isGreaterThan(10_000);

      long t0 = System.nanoTime() / 1_000_000;
      watchdog.check(t0);
      watchdog.check(t0 + 1);
      watchdog.check(t0 + SILENT_AFTER - 1);
      assertThat(connection.isAlive()).as("open before the threshold, after three looks").isTrue();
      ServerConnection another = connectTo(stalledToo);
      watchdog.check(t0 + SILENT_AFTER);
      assertThat(connection.isAlive()).as("closed at the threshold").isFalse();
      assertThat(outputRuns(connection, 500)).as("output pipeline runs in 0.5 s once closed").isLessThan(10);

      // a pause of this JVM: the threshold passed between two looks; one more look before closing
      watchdog.check(t0 + 10 * SILENT_AFTER);
      assertThat(another.isAlive()).as("open after two looks, however far apart").isTrue();
      watchdog.check(t0 + 10 * SILENT_AFTER + 1);
      assertThat(another.isAlive()).as("closed on the third look").isFalse();
      assertThat(watchdog.closed()).isGreaterThanOrEqualTo(2);
    }
  }

  /** Makes the member connect to {@code peer}, and returns that connection once it exists. */
  private static ServerConnection connectTo(ServerSocket peer) throws Exception {
    server().getConnectionManager(EndpointQualifier.MEMBER).getOrConnect(new Address("127.0.0.1", peer.getLocalPort()));
    long deadline = System.currentTimeMillis() + 10_000;
    while (connectionTo(peer.getLocalPort()).isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    return connectionTo(peer.getLocalPort()).orElseThrow();
  }

  @Test
  void aMemberThatAnsweredIsNeverClosed() throws Exception {
    Config config = ClusterConfig.load(env);
    HazelcastInstance other = Hazelcast.newHazelcastInstance(config);
    try {
      assertThat(hz.getCluster().getMembers()).hasSize(2);
      var watchdog = new SilentPeerWatchdog(hz, SILENT_AFTER);
      ServerConnection toOther = server().getConnectionManager(EndpointQualifier.MEMBER)
          .get(other.getCluster().getLocalMember().getAddress());
      assertThat(toOther).isNotNull();
      long t0 = System.nanoTime() / 1_000_000;
      for (int i = 0; i < 4; i++) {
        watchdog.check(t0 + i * 3_600_000L);
      }
      assertThat(toOther.isAlive()).isTrue();
      assertThat(hz.getCluster().getMembers()).hasSize(2);
    } finally {
      other.shutdown();
    }
  }
}
