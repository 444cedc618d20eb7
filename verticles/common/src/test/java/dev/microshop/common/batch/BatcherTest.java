package dev.microshop.common.batch;

import dev.microshop.common.failure.FailureCode;
import dev.microshop.common.failure.ServiceException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class BatcherTest {

  /** A run that records each batch and holds it open until the test ends it. */
  private static final class Runs {
    final List<List<Integer>> batches = new ArrayList<>();
    final List<Promise<List<String>>> open = new ArrayList<>();

    Future<List<String>> run(List<Integer> batch) {
      batches.add(batch);
      Promise<List<String>> p = Promise.promise();
      open.add(p);
      return p.future();
    }

    /** Ends batch {@code i} with one outcome per item ("ok-<item>"). */
    void answer(int i) {
      open.get(i).complete(batches.get(i).stream().map(n -> "ok-" + n).toList());
    }
  }

  @Test
  void idleItemGoesAtOnceAlone() {
    Runs runs = new Runs();
    Batcher<Integer, String> batcher = new Batcher<>(2, 10, 1000, runs::run);
    Future<String> one = batcher.submit(1);
    Future<String> two = batcher.submit(2);
    assertThat(runs.batches).containsExactly(List.of(1), List.of(2));
    runs.answer(0);
    runs.answer(1);
    assertThat(one.result()).isEqualTo("ok-1");
    assertThat(two.result()).isEqualTo("ok-2");
  }

  @Test
  void itemsThatComeWhileBatchesRunGoTogether() {
    Runs runs = new Runs();
    Batcher<Integer, String> batcher = new Batcher<>(1, 3, 1000, runs::run);
    List<Future<String>> outcomes = new ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      outcomes.add(batcher.submit(i));
    }
    assertThat(runs.batches).containsExactly(List.of(1));
    assertThat(batcher.waiting()).isEqualTo(5);
    runs.answer(0);
    assertThat(runs.batches).containsExactly(List.of(1), List.of(2, 3, 4));
    runs.answer(1);
    assertThat(runs.batches).last().isEqualTo(List.of(5, 6));
    runs.answer(2);
    assertThat(outcomes).extracting(Future::result).containsExactly("ok-1", "ok-2", "ok-3", "ok-4", "ok-5", "ok-6");
  }

  /** Item 0 is held until the gate opens; a batch holding item 3 fails with {@code failure}; any other succeeds. */
  private static Batcher<Integer, String> gated(Promise<List<String>> gate, List<List<Integer>> batches, RuntimeException failure,
                                               AtomicLong clock) {
    return new Batcher<>(1, 10, 1000, batch -> {
      batches.add(batch);
      if (batch.equals(List.of(0))) {
        return gate.future();
      }
      return batch.contains(3) ? Future.failedFuture(failure)
          : Future.succeededFuture(batch.stream().map(n -> "ok-" + n).toList());
    }, clock::get);
  }

  @Test
  void aBatchThatFailsIsRunAgainOneByOne() {
    List<List<Integer>> batches = new ArrayList<>();
    Promise<List<String>> gate = Promise.promise();
    Batcher<Integer, String> batcher = gated(gate, batches, new IllegalStateException("bad item 3"), new AtomicLong());
    List<Future<String>> outcomes = new ArrayList<>();
    for (int i = 0; i <= 4; i++) {
      outcomes.add(batcher.submit(i));
    }
    gate.complete(List.of("ok-0"));
    assertThat(batches).containsExactly(List.of(0), List.of(1, 2, 3, 4), List.of(1), List.of(2), List.of(3), List.of(4));
    assertThat(outcomes.get(1).result()).isEqualTo("ok-1");
    assertThat(outcomes.get(2).result()).isEqualTo("ok-2");
    assertThat(outcomes.get(3).cause()).hasMessage("bad item 3");
    assertThat(outcomes.get(4).result()).isEqualTo("ok-4");
  }

  @Test
  void aBatchWithNoAnswerIsNotRepeated() {
    List<List<Integer>> batches = new ArrayList<>();
    Promise<List<String>> gate = Promise.promise();
    Batcher<Integer, String> batcher = gated(gate, batches, new ServiceException(FailureCode.TIMEOUT, "no answer"),
        new AtomicLong());
    List<Future<String>> outcomes = new ArrayList<>();
    for (int i = 0; i <= 4; i++) {
      outcomes.add(batcher.submit(i));
    }
    gate.complete(List.of("ok-0"));
    assertThat(batches).containsExactly(List.of(0), List.of(1, 2, 3, 4));
    assertThat(outcomes.subList(1, 5)).allSatisfy(f -> assertThat(FailureCode.of(f.cause())).isEqualTo(FailureCode.TIMEOUT));
  }

  @Test
  void aBatchNobodyServesGoesOneByOne() {
    // e.g. a participant of the version before, which serves the command but not its batch form
    List<List<Integer>> batches = new ArrayList<>();
    Promise<List<String>> gate = Promise.promise();
    Batcher<Integer, String> batcher = new Batcher<>(1, 10, 1000, batch -> {
      batches.add(batch);
      if (batch.equals(List.of(0))) {
        return gate.future();
      }
      return batch.size() > 1 ? Future.failedFuture(new ServiceException(FailureCode.UNAVAILABLE, "no handler"))
          : Future.succeededFuture(List.of("ok-" + batch.get(0)));
    });
    List<Future<String>> outcomes = new ArrayList<>();
    for (int i = 0; i <= 3; i++) {
      outcomes.add(batcher.submit(i));
    }
    gate.complete(List.of("ok-0"));
    assertThat(batches).containsExactly(List.of(0), List.of(1, 2, 3), List.of(1), List.of(2), List.of(3));
    assertThat(outcomes).extracting(Future::result).containsExactly("ok-0", "ok-1", "ok-2", "ok-3");
  }

  @Test
  void anItemThatWaitedTooLongIsNeverRun() {
    List<List<Integer>> batches = new ArrayList<>();
    Promise<List<String>> gate = Promise.promise();
    AtomicLong clock = new AtomicLong(10_000);
    Batcher<Integer, String> batcher = gated(gate, batches, new IllegalStateException("unused"), clock);
    batcher.submit(0);
    Future<String> late = batcher.submit(1);
    clock.addAndGet(600);
    Future<String> inTime = batcher.submit(2);
    clock.addAndGet(500); // item 1 waited 1,100 ms, item 2 500 ms
    gate.complete(List.of("ok-0"));
    assertThat(batches).containsExactly(List.of(0), List.of(2));
    assertThat(FailureCode.of(late.cause())).isEqualTo(FailureCode.TIMEOUT);
    assertThat(inTime.result()).isEqualTo("ok-2");
  }

  /** A timer the test fires by hand: the delays asked, the actions pending. */
  private static final class HandTimer implements Batcher.Timer {
    final List<Long> delays = new ArrayList<>();
    final List<Runnable> pending = new ArrayList<>();

    @Override
    public void after(long delayMs, Runnable action) {
      delays.add(delayMs);
      pending.add(action);
    }

    void fire() {
      List<Runnable> due = List.copyOf(pending);
      pending.clear();
      due.forEach(Runnable::run);
    }
  }

  @Test
  void underLoadItemsThatComeSoonAfterABatchStartsLingerAndGoTogether() {
    Runs runs = new Runs();
    HandTimer timer = new HandTimer();
    AtomicLong clock = new AtomicLong(10_000);
    Batcher<Integer, String> batcher = new Batcher<>(2, 10, 1000, 5, timer, runs::run, clock::get);
    Future<String> first = batcher.submit(1); // idle: at once, alone
    clock.addAndGet(2);
    batcher.submit(2); // one start before it (one order's next step, say): at once too
    assertThat(runs.batches).containsExactly(List.of(1), List.of(2));
    runs.answer(0);
    assertThat(first.result()).isEqualTo("ok-1");
    clock.addAndGet(1);
    batcher.submit(3); // two starts within 10 ms, the last 1 ms ago, a slot free: waits the 4 ms left
    clock.addAndGet(1);
    batcher.submit(4);
    assertThat(runs.batches).hasSize(2);
    assertThat(timer.delays).containsExactly(4L);
    clock.addAndGet(3);
    timer.fire();
    assertThat(runs.batches).containsExactly(List.of(1), List.of(2), List.of(3, 4));
    runs.answer(1);
    runs.answer(2);
    clock.addAndGet(11); // the two last starts 16 and 11 ms ago: idle again, at once
    batcher.submit(5);
    assertThat(runs.batches).last().isEqualTo(List.of(5));
    assertThat(timer.delays).hasSize(1);
  }

  @Test
  void aFullBatchDoesNotLinger() {
    Runs runs = new Runs();
    HandTimer timer = new HandTimer();
    AtomicLong clock = new AtomicLong(10_000);
    Batcher<Integer, String> batcher = new Batcher<>(3, 3, 1000, 5, timer, runs::run, clock::get);
    batcher.submit(-1);
    batcher.submit(0); // two starts: under load
    for (int i = 1; i <= 3; i++) {
      batcher.submit(i);
    }
    assertThat(timer.delays).hasSize(1);
    assertThat(runs.batches).containsExactly(List.of(-1), List.of(0), List.of(1, 2, 3));
    timer.fire(); // the linger's end finds nothing waiting
    assertThat(runs.batches).hasSize(3);
  }

  @Test
  void withoutALingerABatchStartsWhenASlotFrees() {
    Runs runs = new Runs();
    AtomicLong clock = new AtomicLong(10_000);
    Batcher<Integer, String> batcher = new Batcher<>(1, 10, 1000, runs::run, clock::get);
    batcher.submit(1);
    batcher.submit(2);
    runs.answer(0); // at the same millisecond
    assertThat(runs.batches).containsExactly(List.of(1), List.of(2));
  }
}
