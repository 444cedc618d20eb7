package dev.microshop.common.discovery;

import io.vertx.core.Vertx;

/**
 * Whether callers route to service instances one by one ({@link ServiceClient}: outlier ejection,
 * hedged idempotent requests) and each instance serves every address of its service at its own too
 * ({@link ServiceRegistry#instanceAddress}). On in a cluster, where a stalled or stopping instance
 * is another JVM that the event bus would keep picking blindly; off in one JVM (the all-in-one shop),
 * where each service has one instance and nothing to route around.
 *
 * <p>{@code MICROSHOP_ROUTING} (or the system property {@code microshop.routing}) decides instead:
 * {@code instances} turns it on, {@code shared} off (the event bus picks the instance at the service's
 * shared address, as before this routing existed). Every JVM of a cluster should have the same: a
 * caller routes only to instances whose discovery record says they serve their own addresses.
 */
public final class Routing {

  private Routing() {
  }

  public static boolean perInstance(Vertx vertx) {
    String v = System.getProperty("microshop.routing", System.getenv("MICROSHOP_ROUTING"));
    if ("instances".equals(v)) {
      return true;
    }
    if ("shared".equals(v)) {
      return false;
    }
    return vertx.isClustered();
  }
}
