package dev.microshop.app;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Commands the network tests run (ip, bridge, id): their output, and a failed assertion if one fails. */
final class Shell {

  private Shell() {
  }

  /** Runs the command; it must end within a minute with status 0. */
  static String sh(String... command) throws Exception {
    return run(List.of(command), false);
  }

  /** Runs the command and returns its output whatever its status ("" if it could not run): for cleaning up. */
  static String shQuiet(String... command) {
    try {
      return run(List.of(command), true);
    } catch (Exception e) {
      return "";
    }
  }

  private static String run(List<String> command, boolean tolerant) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    if (!tolerant) {
      assertThat(p.exitValue()).as(String.join(" ", command) + ": " + out).isZero();
    }
    return out;
  }
}
