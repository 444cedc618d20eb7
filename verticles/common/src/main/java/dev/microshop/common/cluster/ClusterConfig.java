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
 *       the first port on, 20 ports up);</li>
 *   <li>{@code MICROSHOP_CLUSTER_INTERFACE}: the interface to bind and advertise, e.g.
 *       {@code 10.0.0.*}; the event bus binds there too;</li>
 *   <li>{@code MICROSHOP_CLUSTER_PORT}: the first Hazelcast port tried (auto-incremented).</li>
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
    return config;
  }

  private static List<String> split(String csv) {
    return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }
}
