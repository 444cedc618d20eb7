package dev.microshop.common;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A signal during start-up ends the JVM with the signal's exit code, whatever else exits meanwhile. */
class StartupSignalsTest {

  @Test
  void aDeploymentFailingDuringTheStopLeavesTheSignalsExitCode() throws Exception {
    Process jvm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), ExitDuringStop.class.getName())
        .redirectErrorStream(true).start();
    try {
      InputStream out = jvm.getInputStream();
      StringBuilder seen = new StringBuilder();
      while (!seen.toString().contains(ExitDuringStop.STARTING)) {
        int c = out.read();
        assertThat(c).as("the child's output so far: %s", seen).isNotNegative();
        seen.append((char) c);
      }
      new ProcessBuilder("kill", "-TERM", Long.toString(jvm.pid())).start().waitFor();

      assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).as("the child ended").isTrue();
      seen.append(new String(out.readAllBytes(), StandardCharsets.UTF_8));
      assertThat(seen.toString()).contains("Microshop stopped during start-up (SIGTERM)").contains(ExitDuringStop.STOPPED);
      assertThat(jvm.exitValue()).as("exit code; the child printed: %s", seen).isEqualTo(128 + 15);
    } finally {
      jvm.destroyForcibly();
    }
  }

  /**
   * A start whose stop takes a while (an embedded PostgreSQL stopping) and whose main thread exits
   * as soon as the stop begins, with the code the launcher uses when a deployment fails (15).
   */
  public static final class ExitDuringStop {
    static final String STARTING = "starting";
    static final String STOPPED = "what the start held is stopped";

    public static void main(String[] args) throws InterruptedException, IOException {
      CountDownLatch stopping = new CountDownLatch(1);
      StartupSignals.install(() -> {
        stopping.countDown();
        try {
          Thread.sleep(2_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        System.out.println(STOPPED);
      });
      System.out.println(STARTING);
      System.out.flush();
      stopping.await();
      System.exit(15);
    }
  }
}
