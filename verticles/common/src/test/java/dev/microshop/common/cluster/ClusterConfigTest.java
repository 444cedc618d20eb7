package dev.microshop.common.cluster;

import com.hazelcast.config.Config;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClusterConfigTest {

  @Test
  void portCountBoundsBothTheMembersPortsAndTheProbes() {
    Config config = ClusterConfig.load(Map.of("MICROSHOP_CLUSTER_PORT_COUNT", "4", "MICROSHOP_CLUSTER_PORT", "6701"));
    assertThat(config.getNetworkConfig().getPort()).isEqualTo(6701);
    assertThat(config.getNetworkConfig().getPortCount()).isEqualTo(4);
    assertThat(config.getProperty("hazelcast.tcp.join.port.try.count")).isEqualTo("4");
  }

  @Test
  void withoutItClusterXmlDecides() {
    Config config = ClusterConfig.load(Map.of());
    assertThat(config.getNetworkConfig().getPortCount()).isEqualTo(12);
    assertThat(config.getProperty("hazelcast.tcp.join.port.try.count")).isEqualTo("12");
  }

  @Test
  void aCountBelowOneIsRefused() {
    assertThatThrownBy(() -> ClusterConfig.load(Map.of("MICROSHOP_CLUSTER_PORT_COUNT", "0")))
        .hasMessageContaining("MICROSHOP_CLUSTER_PORT_COUNT must be at least 1");
  }
}
