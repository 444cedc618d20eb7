package dev.microshop.common.eventlog;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/** A reader's drains: one at a time, one more after it when woken meanwhile, wake-ups gathered, none once stopped. */
class WakeupsTest {

  private Vertx vertx;
  /** The drains begun, each completed by the test. */
  private final List<Promise<Void>> drains = new ArrayList<>();
  private final AtomicBoolean stopped = new AtomicBoolean();
  /** The reader's context: each Wakeups is used on it only, as its owners use theirs. */
  private io.vertx.core.Context context;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  /** Runs {@code action} on the event loop of one context (the reader's) and waits for it. */
  private <T> T onLoop(java.util.function.Supplier<T> action) throws Exception {
    CompletableFuture<T> done = new CompletableFuture<>();
    context.runOnContext(v -> {
      try {
        done.complete(action.get());
      } catch (RuntimeException e) {
        done.completeExceptionally(e); // a throw that escapes Wakeups fails the test with it, not by the timeout
      }
    });
    return done.get(10, TimeUnit.SECONDS);
  }

  /** A Wakeups whose drains wait for the test to complete them ({@link #drains}). */
  private Wakeups wakeups(long delayMs) {
    return wakeups(delayMs, () -> {
      Promise<Void> p = Promise.promise();
      drains.add(p);
      return p.future();
    });
  }

  private Wakeups wakeups(long delayMs, java.util.function.Supplier<Future<?>> drain) {
    context = vertx.getOrCreateContext();
    return new Wakeups(vertx, delayMs, stopped::get, drain);
  }

  @Test
  @DisplayName("woken three times during a drain: one more drain after it, not three, and not before it ends")
  void oneMoreAfterTheRunningOne() throws Exception {
    Wakeups w = wakeups(1);
    onLoop(() -> {
      w.now();
      w.now();
      w.now();
      w.now();
      return null;
    });
    assertThat(onLoop(drains::size)).isEqualTo(1);
    onLoop(() -> drains.get(0).tryComplete());
    assertThat(onLoop(drains::size)).isEqualTo(2);
    onLoop(() -> drains.get(1).tryComplete());
    Thread.sleep(100);
    assertThat(onLoop(drains::size)).isEqualTo(2);
  }

  @Test
  @DisplayName("a failed drain, or one that throws, does not stop the next ones")
  void afterAFailure() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    Wakeups w = wakeups(1, () -> {
      int n = calls.incrementAndGet();
      if (n == 1) {
        throw new IllegalStateException("a drain that throws");
      }
      return n == 2 ? Future.failedFuture("a failed drain") : Future.succeededFuture();
    });
    for (int i = 0; i < 3; i++) {
      onLoop(() -> {
        w.now();
        return null;
      });
    }
    assertThat(calls.get()).isEqualTo(3);
  }

  @Test
  @DisplayName("wake-ups within the delay make one drain, after the delay")
  void wakeUpsGathered() throws Exception {
    Wakeups w = wakeups(200);
    onLoop(() -> {
      for (int i = 0; i < 5; i++) {
        w.soon();
      }
      return null;
    });
    assertThat(onLoop(drains::size)).isZero();
    Thread.sleep(500);
    assertThat(onLoop(drains::size)).isEqualTo(1);
  }

  @Test
  @DisplayName("once stopped, no drain begins, nor the one asked for during a running drain")
  void stopped() throws Exception {
    Wakeups w = wakeups(1);
    onLoop(() -> {
      w.now();
      w.now();
      return null;
    });
    stopped.set(true);
    onLoop(() -> {
      drains.get(0).tryComplete();
      w.now();
      w.soon();
      return null;
    });
    Thread.sleep(100);
    assertThat(onLoop(drains::size)).isEqualTo(1);
  }
}
