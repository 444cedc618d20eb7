package dev.microshop.common.batch;

import dev.microshop.common.failure.FailureCode;
import dev.microshop.common.failure.ServiceException;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Runs items in batches that form only under load: while fewer than {@code maxInFlight} batches
 * run, an item submitted goes at once, alone (no added latency when idle); the items submitted
 * while they all run wait, and the first batch to end takes up to {@code maxBatch} of them together.
 *
 * <p>{@code run} gets the items and answers one outcome per item, in order. When a batch of several
 * fails as a whole, each of its items is run again alone, so one bad item never fails the others, and
 * a participant that does not serve the batch command (an older version, during a rolling upgrade)
 * still serves its items one by one; unless it failed for want of an answer in time (a time-out),
 * which would only repeat, the whole time again.
 * An item that waited longer than {@code maxWaitMs} for a batch fails as a time-out (504) and is
 * never run: its caller backs off instead of queueing without bound behind a stalled one.
 *
 * <p>With a linger ({@code lingerMs} > 0), batches form under a moderate load too. Once two batches
 * have started within {@code 2 × lingerMs} (a load, not one order's steps in a row), a batch starts at
 * most once per {@code lingerMs}: an item submitted sooner after the last start waits for the rest of
 * that time with the others that come meanwhile (or until {@code maxBatch} of them wait). Otherwise,
 * idle, an item still goes at once.
 *
 * <p>Not thread-safe: submit from one context (a verticle's), on which {@code run}'s futures and the
 * {@code timer}'s actions complete.
 */
public final class Batcher<I, O> {

  private record Waiting<I, O>(I item, Promise<O> promise, long since) {
  }

  /** Runs an action later, on the batcher's context (e.g. {@code (ms, action) -> vertx.setTimer(ms, id -> action.run())}). */
  @FunctionalInterface
  public interface Timer {
    void after(long delayMs, Runnable action);
  }

  private final int maxInFlight;
  private final int maxBatch;
  private final long maxWaitMs;
  private final Function<List<I>, Future<List<O>>> run;
  private final LongSupplier clock;
  private final long lingerMs;
  private final Timer timer;
  private final ArrayDeque<Waiting<I, O>> waiting = new ArrayDeque<>();
  private int inFlight;
  private long lastStart = Long.MIN_VALUE / 4;
  private long previousStart = Long.MIN_VALUE / 4;
  private boolean lingering;

  public Batcher(int maxInFlight, int maxBatch, long maxWaitMs, Function<List<I>, Future<List<O>>> run) {
    this(maxInFlight, maxBatch, maxWaitMs, 0, null, run, System::currentTimeMillis);
  }

  public Batcher(int maxInFlight, int maxBatch, long maxWaitMs, long lingerMs, Timer timer, Function<List<I>, Future<List<O>>> run) {
    this(maxInFlight, maxBatch, maxWaitMs, lingerMs, timer, run, System::currentTimeMillis);
  }

  Batcher(int maxInFlight, int maxBatch, long maxWaitMs, Function<List<I>, Future<List<O>>> run, LongSupplier clock) {
    this(maxInFlight, maxBatch, maxWaitMs, 0, null, run, clock);
  }

  Batcher(int maxInFlight, int maxBatch, long maxWaitMs, long lingerMs, Timer timer, Function<List<I>, Future<List<O>>> run,
          LongSupplier clock) {
    if (maxInFlight < 1 || maxBatch < 1 || maxWaitMs < 1) {
      throw new IllegalArgumentException("maxInFlight, maxBatch and maxWaitMs must be at least 1");
    }
    if (lingerMs < 0 || lingerMs >= maxWaitMs || lingerMs > 0 && timer == null) {
      throw new IllegalArgumentException("lingerMs must be 0, or below maxWaitMs with a timer");
    }
    this.maxInFlight = maxInFlight;
    this.maxBatch = maxBatch;
    this.maxWaitMs = maxWaitMs;
    this.lingerMs = lingerMs;
    this.timer = timer;
    this.run = run;
    this.clock = clock;
  }

  /** The item's outcome, once its batch has run. */
  public Future<O> submit(I item) {
    Promise<O> promise = Promise.promise();
    waiting.add(new Waiting<>(item, promise, clock.getAsLong()));
    dispatch();
    return promise.future();
  }

  /** Starts a batch if one may start now; else, lingering, once the linger since the last start is over. */
  private void dispatch() {
    if (inFlight >= maxInFlight || waiting.isEmpty()) {
      return;
    }
    long now = clock.getAsLong();
    long wait = lastStart + lingerMs - now;
    if (wait <= 0 || previousStart < now - 2 * lingerMs || waiting.size() >= maxBatch) {
      next();
    } else if (!lingering) {
      lingering = true;
      timer.after(wait, () -> {
        lingering = false;
        dispatch();
      });
    }
  }

  /** Items waiting for a batch now. */
  public int waiting() {
    return waiting.size();
  }

  /** Takes up to maxBatch waiting items (failing those that waited too long) and runs them as one batch. */
  private void next() {
    long now = clock.getAsLong();
    List<Waiting<I, O>> batch = new ArrayList<>();
    while (batch.size() < maxBatch && !waiting.isEmpty()) {
      Waiting<I, O> w = waiting.poll();
      if (now - w.since() > maxWaitMs) {
        w.promise().fail(new ServiceException(FailureCode.TIMEOUT, "waited more than " + maxWaitMs + " ms for a batch"));
      } else {
        batch.add(w);
      }
    }
    if (batch.isEmpty()) {
      return;
    }
    previousStart = lastStart;
    lastStart = now;
    inFlight++;
    runSafely(batch.stream().map(Waiting::item).toList()).onComplete(ar -> {
      if (ar.succeeded() && ar.result().size() == batch.size()) {
        for (int i = 0; i < batch.size(); i++) {
          batch.get(i).promise().complete(ar.result().get(i));
        }
      } else if (batch.size() == 1 || ar.failed() && FailureCode.of(ar.cause()) == FailureCode.TIMEOUT) {
        Throwable cause = ar.failed() ? ar.cause() : wrongSize(batch.size(), ar.result().size());
        batch.forEach(w -> w.promise().fail(cause));
      } else {
        for (Waiting<I, O> w : batch) { // one at a time, so a bad one fails only itself
          runSafely(List.of(w.item())).map(one -> one.get(0)).onComplete(w.promise());
        }
      }
      inFlight--;
      dispatch();
    });
  }

  private Future<List<O>> runSafely(List<I> batch) {
    try {
      return run.apply(batch);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private static IllegalStateException wrongSize(int sent, int answered) {
    return new IllegalStateException(answered + " outcomes for a batch of " + sent);
  }
}
