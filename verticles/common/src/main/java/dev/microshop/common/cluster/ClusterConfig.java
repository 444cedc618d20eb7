package dev.microshop.common.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.InterfacesConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.TcpIpConfig;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The Hazelcast configuration: {@code cluster.xml} (from {@code -Dvertx.hazelcast.config}, else
 * the copy on the classpath), then these environment variables:
 * <ul>
 *   <li>{@code MICROSHOP_CLUSTER_NAME}: the cluster name (nodes of another name never join);</li>
 *   <li>{@code MICROSHOP_CLUSTER_MEMBERS}: comma-separated member addresses for the TCP/IP join
 *       ({@code host} or {@code host:port}; a host without a port is probed from
 *       the first port on, as many ports up as the port count);</li>
 *   <li>{@code MICROSHOP_CLUSTER_INTERFACE}: the interface to bind and advertise, e.g.
 *       {@code 10.0.0.*}; the event bus binds there too;</li>
 *   <li>{@code MICROSHOP_CLUSTER_PORT}: the first Hazelcast port tried (auto-incremented).</li>
 *   <li>{@code MICROSHOP_CLUSTER_PORT_COUNT}: how many ports from it a member may take and a join
 *       or split-brain search probes on each host (cluster.xml: 12); set it to the most members
 *       one host runs: the search after a partition spends 5 s on every probed port where nobody
 *       listens.</li>
 * </ul>
 */
public final class ClusterConfig {

  private ClusterConfig() {
  }

  public static Config load(Map<String, String> env) {
    Config config = ConfigUtil.loadConfig();
    String name = env.get("MICROSHOP_CLUSTER_NAME");
    if (name != null && !name.isBlank()) {
      config.setClusterName(name.trim());
    }
    NetworkConfig network = config.getNetworkConfig();
    String members = env.get("MICROSHOP_CLUSTER_MEMBERS");
    if (members != null && !members.isBlank()) {
      TcpIpConfig tcp = network.getJoin().getTcpIpConfig().setEnabled(true);
      tcp.setMembers(split(members));
    }
    String iface = env.get("MICROSHOP_CLUSTER_INTERFACE");
    if (iface != null && !iface.isBlank()) {
      InterfacesConfig interfaces = network.getInterfaces().setEnabled(true);
      interfaces.setInterfaces(split(iface));
    }
    String port = env.get("MICROSHOP_CLUSTER_PORT");
    if (port != null && !port.isBlank()) {
      network.setPort(Integer.parseInt(port.trim()));
    }
    String portCount = env.get("MICROSHOP_CLUSTER_PORT_COUNT");
    if (portCount != null && !portCount.isBlank()) {
      int count = Integer.parseInt(portCount.trim());
      if (count < 1) {
        throw new IllegalArgumentException("MICROSHOP_CLUSTER_PORT_COUNT must be at least 1, not " + count);
      }
      network.setPortCount(count);
      config.setProperty("hazelcast.tcp.join.port.try.count", Integer.toString(count));
    }
    return config;
  }

  private static List<String> split(String csv) {
    return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }
}
