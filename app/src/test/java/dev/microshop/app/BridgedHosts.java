package dev.microshop.app;

import java.util.List;
import java.util.function.UnaryOperator;

import static dev.microshop.app.Shell.sh;
import static dev.microshop.app.Shell.shQuiet;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * "Hosts" for the network tests: one network namespace per host ({@code <prefix>-<host>}), each with
 * an address on a veth pair whose other end ({@code <prefix><host>-s}) is a port of a bridge that
 * lives in a namespace of its own ({@code <prefix>-sw}), so nothing touches the machine's own network.
 * Needs root: these tests fail without it rather than pass unrun (CI runs as root).
 */
final class BridgedHosts {

  private BridgedHosts() {
  }

  /** Creates the switch and the hosts, each with its address (on a /24 they share). */
  static void create(String prefix, List<String> hosts, UnaryOperator<String> address) throws Exception {
    assertThat(sh("id", "-u").trim()).as("the network tests make network namespaces: run them as root (CI does)").isEqualTo("0");
    String sw = switchNs(prefix);
    sh("ip", "netns", "add", sw);
    sh("ip", "-n", sw, "link", "add", "br0", "type", "bridge");
    sh("ip", "-n", sw, "link", "set", "br0", "up");
    for (String host : hosts) {
      String ns = ns(prefix, host);
      String link = prefix + host;
      sh("ip", "netns", "add", ns);
      sh("ip", "link", "add", link + "-h", "type", "veth", "peer", "name", bridgePort(prefix, host));
      sh("ip", "link", "set", link + "-h", "netns", ns);
      sh("ip", "link", "set", bridgePort(prefix, host), "netns", sw);
      sh("ip", "-n", sw, "link", "set", bridgePort(prefix, host), "master", "br0");
      sh("ip", "-n", sw, "link", "set", bridgePort(prefix, host), "up");
      sh("ip", "-n", ns, "addr", "add", address.apply(host) + "/24", "dev", link + "-h");
      sh("ip", "-n", ns, "link", "set", link + "-h", "up");
      sh("ip", "-n", ns, "link", "set", "lo", "up");
    }
  }

  /** Kills what still runs in the hosts, then removes them and the switch (whatever exists of them). */
  static void delete(String prefix, List<String> hosts) {
    for (String h : hosts) {
      shQuiet("ip", "netns", "pids", ns(prefix, h)).lines().forEach(pid -> shQuiet("kill", "-9", pid.trim()));
      shQuiet("ip", "netns", "del", ns(prefix, h));
    }
    shQuiet("ip", "netns", "del", switchNs(prefix));
  }

  static String ns(String prefix, String host) {
    return prefix + "-" + host;
  }

  static String switchNs(String prefix) {
    return prefix + "-sw";
  }

  /** The host's port of the bridge, in the switch's namespace. */
  static String bridgePort(String prefix, String host) {
    return prefix + host + "-s";
  }
}
