package dev.microshop.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ThreadDumpTest {

  private static final CountDownLatch RELEASE = new CountDownLatch(1);

  @Test
  void fullStacksAndAlikeThreadsOnce() throws Exception {
    CountDownLatch parked = new CountDownLatch(3);
    Runnable twin = () -> twin(parked);
    List<Thread> threads = List.of(
        new Thread(() -> deep(12, parked), "probe-deep"),
        new Thread(twin, "probe-twin-1"),
        new Thread(twin, "probe-twin-2"));
    threads.forEach(Thread::start);
    try {
      assertThat(parked.await(10, TimeUnit.SECONDS)).isTrue();
      String dump = awaitParked();

      // the deep thread's whole stack: 12 calls of deep() under the wait, not ThreadInfo's 8 frames
      String deep = dump.substring(dump.indexOf("thread probe-deep: "));
      deep = deep.substring(0, deep.indexOf("\n", deep.indexOf("Thread.run")));
      assertThat(deep).startsWith("thread probe-deep: WAITING on java.util.concurrent.CountDownLatch$Sync\n");
      assertThat(deep.split("ThreadDumpTest.deep\\(", -1)).hasSize(13);
      // two threads at the same place: one entry naming both
      assertThat(dump).contains("2 threads probe-twin-1, probe-twin-2: WAITING").doesNotContain("thread probe-twin-1: ");
      assertThat(dump).matches("(?s)\\d+ threads, \\d+ distinct stacks\n.*");
    } finally {
      RELEASE.countDown();
      for (Thread t : threads) {
        t.join(5_000);
      }
    }
  }

  /** The dump once the three probes wait (a thread counted down just before it parks). */
  private static String awaitParked() throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      String dump = ThreadDump.now();
      if (dump.contains("probe-deep: WAITING") && dump.contains("probe-twin-1, probe-twin-2: WAITING")) {
        return dump;
      }
      Thread.sleep(50);
    }
    return ThreadDump.now();
  }

  private static void deep(int depth, CountDownLatch parked) {
    if (depth > 1) {
      deep(depth - 1, parked);
      return;
    }
    parked.countDown();
    await();
  }

  private static void twin(CountDownLatch parked) {
    parked.countDown();
    await();
  }

  private static void await() {
    try {
      RELEASE.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
