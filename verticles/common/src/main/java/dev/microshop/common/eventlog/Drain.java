package dev.microshop.common.eventlog;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.function.Supplier;

/**
 * Reading a log batch after batch until it is drained, as its readers do ({@link EventConsumer},
 * the web's catalog read model).
 *
 * <p>A loop, not a chain: each batch's futures are let go once it is applied, so a drain through a
 * backlog holds one batch at a time, and its end completes one future. A chain of {@code compose}s,
 * each batch's holding the next's, kept every batch it had applied until the drain ended (an order
 * overload's backlog of ~100,000 events filled the all-in-one's heap), and its end completed one
 * future per batch, each inside the one before on the same stack.
 */
public final class Drain {

  private Drain() {
  }

  /**
   * Runs {@code nextBatch} again each time it answers true (there may be more to read now), until it
   * answers false (drained) or fails. Each batch must complete asynchronously (a read of a log
   * does): one completed at once is run again on the same stack.
   */
  public static Future<Void> untilDone(Supplier<Future<Boolean>> nextBatch) {
    Promise<Void> drained = Promise.promise();
    next(nextBatch, drained);
    return drained.future();
  }

  private static void next(Supplier<Future<Boolean>> nextBatch, Promise<Void> drained) {
    Future.<Void>succeededFuture().compose(v -> nextBatch.get()) // a throw: a failed drain, not a lost one
        .onComplete(more -> {
          if (more.failed()) {
            drained.fail(more.cause());
          } else if (more.result()) {
            next(nextBatch, drained);
          } else {
            drained.complete();
          }
        });
  }
}
