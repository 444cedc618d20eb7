package dev.microshop.common.eventlog;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * When a log's reader reads ({@link EventConsumer}, the web's catalog read model and its order streams): one drain
 * at a time, one more right after it when woken meanwhile (what came during a drain is read by the next), and a
 * producer's wake-ups within a short delay gathered into one drain. Used on the reader's own context (its event
 * loop), like its timers.
 */
public final class Wakeups {

  private final Vertx vertx;
  private final long delayMs;
  private final BooleanSupplier skip;
  private final Supplier<Future<?>> drain;
  private boolean running;
  private boolean again;
  private boolean soon;

  /**
   * @param delayMs how long a producer's wake-up waits for others to come with it ({@link #soon})
   * @param skip while true, no drain begins (the reader stopped, or has nobody to read for)
   * @param drain one drain: reads and applies until there is nothing more to read
   */
  public Wakeups(Vertx vertx, long delayMs, BooleanSupplier skip, Supplier<Future<?>> drain) {
    this.vertx = vertx;
    this.delayMs = Math.max(1, delayMs);
    this.skip = skip;
    this.drain = drain;
  }

  /** A wake-up from the producer: a drain a moment later, with whatever else has come by then. */
  public void soon() {
    if (soon) {
      return;
    }
    soon = true;
    vertx.setTimer(delayMs, id -> {
      soon = false;
      now();
    });
  }

  /** A drain now, or right after the one running. */
  public void now() {
    if (skip.getAsBoolean()) {
      return;
    }
    if (running) {
      again = true;
      return;
    }
    running = true;
    again = false;
    Future.succeededFuture().compose(v -> drain.get()) // a throw ends this drain, not every later one
        .onComplete(ar -> {
          running = false;
          if (again) {
            now();
          }
        });
  }
}
