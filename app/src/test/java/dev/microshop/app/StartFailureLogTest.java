package dev.microshop.app;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * scripts/lib/procs.sh's {@code await_log} when an instance ends while starting: what it shows of the instance's log
 * ({@code start_failure_log}), for node.sh and cluster.sh.
 */
class StartFailureLogTest {

  private static final String DUMP_LINE =
      "12:02:00.000 ERROR [main] d.m.common.Launcher - Vert.x did not start in 2 minutes; where this JVM's threads are: 3 threads, 2 distinct stacks";

  @TempDir
  Path dir;

  @Test
  @DisplayName("a start that timed out shows its thread dump whole, not the dump of an earlier start nor only the last 30 lines")
  void threadDumpOfTheLastStart() throws Exception {
    String stacks = IntStream.rangeClosed(1, 60).mapToObj(i -> "\tat frame" + i).collect(Collectors.joining("\n"));
    Path log = dir.resolve("order.log");
    Files.writeString(log, "=== 2026-12-07T12:00:00Z starting order\n"
        + DUMP_LINE.replace("12:02", "12:00") + "\nthread old: WAITING\n\tat earlier\n"
        + "=== 2026-12-07T12:00:30Z starting order\n12:00:31.000 INFO [main] Starting clustering...\n"
        + DUMP_LINE + "\nthread vert.x-worker-thread-0: WAITING\n" + stacks + "\n");

    String out = awaitDeadProcess(log);

    assertThat(out).startsWith("order ended while starting; its log:\n" + DUMP_LINE + "\nthread vert.x-worker-thread-0: WAITING\n")
        .contains("\tat frame1\n").endsWith("\tat frame60\n")
        .doesNotContain("thread old", "Starting clustering");
  }

  @Test
  @DisplayName("any other failed start shows the last 30 lines of its log")
  void lastLinesOtherwise() throws Exception {
    Path log = dir.resolve("order.log");
    Files.writeString(log, "=== 2026-12-07T12:00:00Z starting order\n"
        + IntStream.rangeClosed(1, 50).mapToObj(i -> "line " + i + "\n").collect(Collectors.joining()));

    String out = awaitDeadProcess(log);

    assertThat(out).startsWith("order ended while starting; its log:\nline 21\n").endsWith("line 50\n");
  }

  /** await_log on a log whose process has already ended: what it prints. */
  private String awaitDeadProcess(Path log) throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Path pidfile = dir.resolve("order.pid");
    Files.writeString(pidfile, Long.toString(gone.pid()));
    Process p = new ProcessBuilder("bash", "-c", "source scripts/lib/procs.sh; await_log \"$0\" 'order service started' \"$1\" order",
        log.toString(), pidfile.toString()).directory(ShopProcess.REPO.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isEqualTo(1);
    return out;
  }
}
