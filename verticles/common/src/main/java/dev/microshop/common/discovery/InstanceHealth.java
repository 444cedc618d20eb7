package dev.microshop.common.discovery;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Outlier ejection, as a caller sees the instances of one service: an instance that failed to
 * answer (no answer within the timeout, nobody there) or answered late {@value #EJECT_AFTER} times
 * in a row is skipped for {@value #EJECT_MS} ms, then one request probes it again (half-open): an
 * answer in time takes it back, a failure skips it again. An instance is only skipped while another
 * one is answering well, so an overload that slows every instance down ejects none of them (there
 * would be nowhere better to send). Thread-safe; cheap enough for every request. One per service
 * and JVM ({@link #of}), shared by the JVM's clients of that service, and shown on {@code /metrics}:
 * {@code microshop_routing_instances_out{service}} (instances out of rotation now) and
 * {@code microshop_routing_ejections_total{service}}.
 */
final class InstanceHealth {

  private static final Map<String, InstanceHealth> BY_SERVICE = new java.util.concurrent.ConcurrentHashMap<>();
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(InstanceHealth.class);

  /** The JVM's view of service {@code service}'s instances (its gauges registered on first use when metrics are on). */
  static InstanceHealth of(String service) {
    return BY_SERVICE.computeIfAbsent(service, s -> {
      InstanceHealth health = new InstanceHealth(s);
      MeterRegistry registry = BackendRegistries.getDefaultNow();
      if (registry != null) {
        Gauge.builder("microshop_routing_instances_out", health, h -> h.out(System.currentTimeMillis()))
            .description("instances of the service this JVM skips now (no answer, or late, several times in a row)")
            .tags("service", s).register(registry);
        FunctionCounter.builder("microshop_routing_ejections", health, h -> h.ejections())
            .description("times this JVM took an instance of the service out of rotation")
            .tags("service", s).register(registry);
      }
      return health;
    });
  }

  static final int EJECT_AFTER = 3;
  static final long EJECT_MS = 5_000;

  private static final class State {
    int failures;      // in a row; an answer in time resets it
    long ejectedUntil; // 0: in rotation
    boolean probing;   // after its ejection: one request is out to it
    boolean gone;      // its last failure was nobody serving there (it stopped), not slowness
    long ejections;
    long outSince;     // when its ejection began (a failed probe keeps it out: not reset)
  }

  private final String service;
  /** An instance id → its JVM ({@code pid@host}) or null, for the log lines; set by the clients ({@link #describeWith}). */
  private volatile java.util.function.Function<String, String> jvmOf = id -> null;
  private final Map<String, State> states = new HashMap<>();
  private long next;
  private long ejectionsTotal; // of every instance, those forgotten since included

  InstanceHealth(String service) {
    this.service = service;
  }

  /** Names an instance's JVM in the log lines by {@code jvmOf} (the registry's {@code jvmOf}). */
  void describeWith(java.util.function.Function<String, String> jvmOf) {
    this.jvmOf = jvmOf;
  }

  private String named(String instance) {
    String jvm = jvmOf.apply(instance);
    return jvm == null ? instance : instance + " (" + jvm + ")";
  }

  /**
   * The instance to send the next request to, round-robin among those in rotation (or whose
   * ejection is over: one probe each), never {@code avoid}. When every instance is skipped, any of
   * them (the requests must go somewhere). For a second try ({@code avoid}: the first is late), one
   * out for slowness if none is in rotation: it was slow a moment ago, the first is slow now, and a
   * request to nobody else would wait out its whole time; null when there is none but {@code avoid},
   * or only stopped ones (nobody serving there).
   */
  synchronized String pick(List<String> instances, String avoid, long now) {
    if (states.size() > 4 * instances.size() + 16) {
      states.keySet().retainAll(instances);
    }
    int n = instances.size();
    for (int i = 0; i < n; i++) {
      String candidate = instances.get((int) Math.floorMod(next + i, (long) n));
      if (candidate.equals(avoid)) {
        continue;
      }
      State s = states.get(candidate);
      if (s == null || s.ejectedUntil == 0) {
        next += i + 1;
        return candidate;
      }
      if (now >= s.ejectedUntil && !s.probing) {
        s.probing = true;
        next += i + 1;
        return candidate;
      }
    }
    if (avoid != null) {
      for (int i = 0; i < n; i++) {
        String candidate = instances.get((int) Math.floorMod(next + i, (long) n));
        State s = states.get(candidate);
        if (!candidate.equals(avoid) && (s == null || !s.gone)) {
          next += i + 1;
          return candidate;
        }
      }
      return null;
    }
    return instances.get((int) Math.floorMod(next++, (long) n));
  }

  /**
   * It answered in time: back in rotation, its count of failures cleared. One that was out of
   * rotation says so in the log (INFO), once.
   */
  synchronized void answered(String instance) {
    State s = states.get(instance);
    if (s != null) {
      if (s.ejectedUntil != 0) {
        LOG.info("{} instance {} answered in time: back in rotation", service, named(instance));
      }
      s.failures = 0;
      s.ejectedUntil = 0;
      s.probing = false;
      s.gone = false;
    }
  }

  /**
   * It failed to answer, or answered late: one more in a row. At {@value #EJECT_AFTER} (or at once,
   * {@code gone}: nobody serves there any more), it leaves the rotation for {@value #EJECT_MS} ms,
   * provided another of {@code instances} is in rotation with no failure. True when it was ejected now:
   * said in the log (WARN), with why, so that an operator sees which instance this JVM routes around;
   * each failed probe after that keeps it out with an INFO line (how long it has been out).
   */
  synchronized boolean failed(String instance, List<String> instances, boolean gone, long now) {
    State s = states.computeIfAbsent(instance, k -> new State());
    s.failures++;
    s.gone = gone;
    boolean probeFailed = s.probing;
    s.probing = false;
    if (s.ejectedUntil != 0 && !probeFailed) {
      return false; // already out: a late answer to a request sent before its ejection
    }
    if ((gone || probeFailed || s.failures >= EJECT_AFTER) && anotherAnswering(instance, instances)) {
      s.ejectedUntil = now + EJECT_MS;
      s.ejections++;
      ejectionsTotal++;
      if (probeFailed) { // said once when it left; then a line at each failed probe, not another warning
        LOG.info("{} instance {} stays out of rotation for {} ms more: the request sent to probe it {} (out for {} ms so far)",
            service, named(instance), EJECT_MS, gone ? "found nobody serving there" : "failed or came late", now - s.outSince);
      } else {
        s.outSince = now;
        LOG.warn("{} instance {} out of rotation for {} ms: {}", service, named(instance), EJECT_MS,
            gone ? "nobody serves at its address (stopped or leaving)"
                : s.failures + " requests in a row failed or came later than " + ServiceClient.SLOW_MS + " ms");
      }
      return true;
    }
    return false;
  }

  private boolean anotherAnswering(String instance, List<String> instances) {
    for (String other : instances) {
      State s = states.get(other);
      if (!other.equals(instance) && (s == null || s.ejectedUntil == 0 && s.failures == 0)) {
        return true;
      }
    }
    return false;
  }

  private synchronized int out(long now) {
    return (int) states.values().stream().filter(s -> s.ejectedUntil != 0 && now < s.ejectedUntil).count();
  }

  private synchronized long ejections() {
    return ejectionsTotal;
  }

  /** Each known instance: in rotation or not, its failures in a row, how often it was ejected. */
  synchronized JsonArray toJson(long now) {
    List<String> ids = new ArrayList<>(states.keySet());
    ids.sort(null);
    JsonArray out = new JsonArray();
    for (String id : ids) {
      State s = states.get(id);
      out.add(new JsonObject().put("instance", id).put("inRotation", s.ejectedUntil == 0 || now >= s.ejectedUntil)
          .put("failuresInARow", s.failures).put("ejections", s.ejections));
    }
    return out;
  }
}
