package dev.microshop.common.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.impl.HazelcastInstanceImpl;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.internal.nio.ConnectionType;
import com.hazelcast.internal.server.ServerConnection;
import com.hazelcast.internal.server.tcp.TcpServerConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Closes this member's cluster connections whose peer has not answered Hazelcast's protocol header.
 *
 * <p>A member that opens a connection writes the 3 bytes {@code HZC} and its handshake, and its
 * output pipeline waits for the peer's own {@code HZC}. Hazelcast 5.3's {@code UnifiedProtocolEncoder}
 * waits by reporting the pipeline clean while the handshake is still queued, and the pipeline
 * reschedules itself at once: the member's output I/O thread spins at a full core until the peer
 * answers. A stalled process (SIGSTOP, a frozen VM) on a host that is up never answers, and its
 * kernel accepts the connection: with one member stalled past the heartbeat bound, the others spun
 * for as long as the stall lasted, and on 2 cores the members starved each other's heartbeats and the
 * whole cluster split (docs/clustering.md). Upstream: hazelcast#26473.
 *
 * <p>Every {@link #check} looks at the connections this member opened; one seen without a protocol
 * ({@code NONE}) for {@code silentAfterMillis} and by at least three checks is closed, which empties
 * its queue and stops the spin (three checks: after a pause of this JVM, whose own I/O thread may not
 * yet have read an answer that arrived, one more look a check later). A peer that answers does so
 * within milliseconds (its I/O thread answers the header, no operation runs first); a closed
 * connection is opened again by Hazelcast when it needs one, and is closed again if the peer still
 * does not answer. Established connections are never touched, nor connections others opened to this
 * member (a client's or a text protocol's stay {@code NONE} until they authenticate or send a
 * command, and nothing is queued on them).
 * It uses Hazelcast's internal server classes (5.3); a Hazelcast upgrade must keep
 * {@code SilentPeerWatchdogTest} green, and that test says when the spin is gone upstream.
 */
public final class SilentPeerWatchdog {

  private static final Logger LOG = LoggerFactory.getLogger(SilentPeerWatchdog.class);
  /** How long a connection may wait for its peer's protocol header (in the shop, by default). */
  public static final long SILENT_AFTER_MILLIS = 2_000;
  /** How often the shop looks. */
  public static final long CHECK_EVERY_MILLIS = 1_000;

  private final HazelcastInstanceImpl hazelcast;
  private final long silentAfterMillis;
  /** connection without a protocol → when it was first seen so, and how many checks saw it so */
  private final Map<ServerConnection, Waiting> waiting = new IdentityHashMap<>();
  private long closed;

  private record Waiting(long since, int checks) {
  }

  public SilentPeerWatchdog(HazelcastInstance instance, long silentAfterMillis) {
    this.hazelcast = instance instanceof HazelcastInstanceProxy proxy ? proxy.getOriginal() : (HazelcastInstanceImpl) instance;
    this.silentAfterMillis = silentAfterMillis;
  }

  /** How many connections this watchdog has closed. */
  public synchronized long closed() {
    return closed;
  }

  /**
   * One look at every connection; call it every second or so, with a monotonic clock (e.g.
   * {@code System.nanoTime() / 1_000_000}). Returns how many it closed.
   */
  public synchronized int check(long nowMillis) {
    if (!hazelcast.getLifecycleService().isRunning()) {
      return 0;
    }
    Set<ServerConnection> stillWaiting = Collections.newSetFromMap(new IdentityHashMap<>());
    int closedNow = 0;
    for (ServerConnection connection : hazelcast.node.getServer().getConnections()) {
      if (!silent(connection)) {
        continue;
      }
      Waiting seen = waiting.merge(connection, new Waiting(nowMillis, 1), (was, now) -> new Waiting(was.since(), was.checks() + 1));
      if (nowMillis - seen.since() < silentAfterMillis || seen.checks() < 3 || !silent(connection)) {
        stillWaiting.add(connection);
        continue;
      }
      LOG.warn("Hazelcast connection to {} has had no answer to its protocol header for {} ms (a stalled process?): closing it",
          connection.getRemoteSocketAddress(), nowMillis - seen.since());
      connection.close("no answer to the protocol header within " + silentAfterMillis + " ms", null);
      closedNow++;
      closed++;
    }
    waiting.keySet().retainAll(stillWaiting);
    return closedNow;
  }

  /** A connection this member opened, still open, whose peer has not sent its protocol header. */
  private static boolean silent(ServerConnection connection) {
    return connection instanceof TcpServerConnection tcp && !tcp.isAcceptorSide() && tcp.isAlive()
        && ConnectionType.NONE.equals(tcp.getConnectionType());
  }
}
