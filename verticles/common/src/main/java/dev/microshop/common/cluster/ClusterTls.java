package dev.microshop.common.cluster;

import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PfxOptions;

import java.util.Map;

/**
 * TLS for the clustered event bus (the traffic between the JVMs' event-bus servers), from the
 * environment:
 * <ul>
 *   <li>{@code MICROSHOP_CLUSTER_TLS_KEYSTORE}: a PKCS#12 file with this node's key and certificate
 *       (TLS is on when it is set);</li>
 *   <li>{@code MICROSHOP_CLUSTER_TLS_KEYSTORE_PASSWORD};</li>
 *   <li>{@code MICROSHOP_CLUSTER_TLS_TRUSTSTORE} and {@code MICROSHOP_CLUSTER_TLS_TRUSTSTORE_PASSWORD}:
 *       the certificates to trust (default: the keystore itself, for a cluster sharing one certificate).</li>
 * </ul>
 * Both sides authenticate (client auth required) and {@code trustAll} is off: Vert.x turns it on
 * for the event bus by default, which would accept any certificate. (PfxOptions, not the generic
 * KeyStoreOptions: the event bus copies its options through JSON, which keeps only the former.)
 */
public final class ClusterTls {

  private ClusterTls() {
  }

  /** Applies TLS to the event bus when configured; returns whether it did. */
  public static boolean apply(EventBusOptions options, Map<String, String> env) {
    String keystore = env.get("MICROSHOP_CLUSTER_TLS_KEYSTORE");
    if (keystore == null || keystore.isBlank()) {
      return false;
    }
    String password = env.getOrDefault("MICROSHOP_CLUSTER_TLS_KEYSTORE_PASSWORD", "");
    String truststore = env.getOrDefault("MICROSHOP_CLUSTER_TLS_TRUSTSTORE", keystore);
    String trustPassword = env.getOrDefault("MICROSHOP_CLUSTER_TLS_TRUSTSTORE_PASSWORD", password);
    options.setSsl(true)
        .setKeyCertOptions(new PfxOptions().setPath(keystore).setPassword(password))
        .setTrustOptions(new PfxOptions().setPath(truststore).setPassword(trustPassword))
        .setTrustAll(false)
        .setClientAuth(ClientAuth.REQUIRED);
    return true;
  }
}
