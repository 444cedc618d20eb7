package dev.microshop.common.discovery;

/**
 * Whether callers route to service instances one by one ({@link ServiceClient}, outlier ejection,
 * hedged idempotent requests) and each instance serves its own address: {@code MICROSHOP_ROUTING=instances}
 * (or the system property {@code microshop.routing}). Off by default for now: with it on, two CI-like
 * runs of the multi-host test failed after its partition and kill (Hazelcast partitions left
 * migrating, a member that did not rejoin), which the shared address alone did not show; until that is
 * understood, the event bus picks the instance, as before.
 */
public final class Routing {

  private Routing() {
  }

  public static boolean perInstance() {
    String v = System.getProperty("microshop.routing", System.getenv("MICROSHOP_ROUTING"));
    return "instances".equals(v);
  }
}
