package dev.microshop.web;

import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.AIMDLimit;
import com.netflix.concurrency.limits.limit.WindowedLimit;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import dev.microshop.common.failure.FailureCode;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Admission of new orders at this web: how many placements it forwards at once, a bound that adapts
 * to how long placements take (AIMD over windows, from Netflix's concurrency-limits). It starts at
 * {@code min}. Each window of placements (at least 10, about two of their round trips long) whose
 * average time is within {@code target} lets the bound grow by one, if at least half of it was in
 * use; a window slower than that, or with a placement the order service failed with a 5xx (busy,
 * away, timed out), shrinks it by 10 %. The bound stays between {@code min} and {@code max}: under
 * an overload it settles where placements take about the target, and a placement beyond it gets
 * 503 + {@code Retry-After} before anything is sent or stored, instead of queueing behind the
 * others. Below {@code min} placements in flight, nothing is ever refused (a slow moment, such as a
 * restarting instance, sheds no order of a normal load).
 */
final class PlacementAdmission {

  /** Config, under {@code orders}: the bound's range and the placement time it keeps. */
  record Settings(int min, int max, long targetMs) {
    Settings {
      if (min < 1 || max < min || targetMs < 1) {
        throw new IllegalArgumentException("orders: need 1 <= min-in-flight <= max-in-flight and placement-target-ms >= 1, not "
            + min + ", " + max + ", " + targetMs);
      }
    }
  }

  private final SimpleLimiter<Void> limiter;
  private long shed;

  PlacementAdmission(Settings settings) {
    this(settings, System::nanoTime);
  }

  PlacementAdmission(Settings settings, LongSupplier nanoClock) {
    AIMDLimit aimd = AIMDLimit.newBuilder()
        .initialLimit(settings.min())
        .minLimit(settings.min())
        .maxLimit(settings.max())
        .timeout(settings.targetMs(), TimeUnit.MILLISECONDS)
        .build();
    // one step per window of at least 10 placements, about two of their round trips long (0.1-1 s),
    // judged by their average time: not one step per placement, which swings the bound from floor to top
    WindowedLimit limit = WindowedLimit.newBuilder()
        .minWindowTime(100, TimeUnit.MILLISECONDS)
        .maxWindowTime(1, TimeUnit.SECONDS)
        .windowSize(10)
        .build(aimd);
    this.limiter = SimpleLimiter.newBuilder().named("placements").limit(limit).nanoClock(nanoClock).build();
    registerMeters();
  }

  /** A permit for one placement, to end with {@link Limiter.Listener#onSuccess} or {@code onDropped}; empty: shed it. */
  Optional<Limiter.Listener> admit() {
    Optional<Limiter.Listener> permit = limiter.acquire(null);
    if (permit.isEmpty()) {
      shed++;
    }
    return permit;
  }

  /**
   * Ends a placement's permit with how it went: a 5xx from the order service (busy, away, too slow)
   * counts as dropped and shrinks the bound as a slow answer does; an answer, a refusal (4xx) too,
   * is a success, timed.
   */
  static void settle(Limiter.Listener permit, io.vertx.core.AsyncResult<?> placement) {
    if (placement.failed() && FailureCode.of(placement.cause()).status() >= 500) {
      permit.onDropped();
    } else {
      permit.onSuccess();
    }
  }

  int limit() {
    return limiter.getLimit();
  }

  int inFlight() {
    return limiter.getInflight();
  }

  long shed() {
    return shed;
  }

  private void registerMeters() {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    if (registry == null) {
      return; // metrics off (unit tests)
    }
    Gauge.builder("microshop_web_placements_limit", this, PlacementAdmission::limit).register(registry);
    Gauge.builder("microshop_web_placements_in_flight", this, PlacementAdmission::inFlight).register(registry);
    FunctionCounter.builder("microshop_web_placements_shed", this, PlacementAdmission::shed).register(registry);
  }
}
