package dev.microshop.web;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web validates every request against the contract with vertx-json-schema, whose
 * {@code SchemaValidatorImpl.validate} is one method of some 9,300 bytes of bytecode. HotSpot never compiles a
 * method over 8,000 bytes ({@code -XX:+DontCompileHugeMethods}, its default): it runs interpreted for the JVM's
 * whole life, 60 µs per order body against 32 µs compiled by C1. A clustered instance's JVM options
 * (scripts/lib/jvm.sh, C1 only) turn that off; the all-in-one's (C2) do not: C2 compiling that method took the
 * all-in-one's peak RSS from ~260 to ~400 MB, over its 350 MB bound. This runs a JVM with each and reads its JIT's log.
 */
class SchemaValidatorJitTest {

  private static final Path REPO = Path.of("../..").toAbsolutePath().normalize();
  /** A line of -XX:+PrintCompilation's log: a compilation of one of SchemaValidatorImpl's validate methods, its size. */
  private static final Pattern COMPILED = Pattern.compile("io\\.vertx\\.json\\.schema\\.impl\\.SchemaValidatorImpl::validate \\((\\d+) bytes\\)");
  /** HotSpot's HugeMethodLimit. */
  private static final int HUGE = 8000;

  @Test
  @DisplayName("with a clustered instance's JVM options (LEAN_JAVA_OPTS, C1 only), the schema validator is compiled")
  void clusteredInstanceCompilesTheValidator() throws Exception {
    assertThat(compiledSizes(workout(jvmOptions("LEAN_JAVA_OPTS")))).anyMatch(size -> size > HUGE);
  }

  @Test
  @DisplayName("with the all-in-one's JVM options (SHOP_JAVA_OPTS, C2) it stays interpreted: C2 compiling it peaked the RSS at ~400 MB")
  void allInOneLeavesItInterpreted() throws Exception {
    String log = workout(jvmOptions("SHOP_JAVA_OPTS"));
    // the small public validate(Object) is compiled; the huge one it calls never is
    assertThat(compiledSizes(log)).isNotEmpty().allMatch(size -> size <= HUGE);
  }

  /** The sizes in bytes of the SchemaValidatorImpl.validate methods the JIT compiled, once per compilation. */
  private static List<Integer> compiledSizes(String log) {
    return COMPILED.matcher(log).results().map(m -> Integer.parseInt(m.group(1))).toList();
  }

  /** The JIT's log of a JVM with these options that validated 5,000 order bodies. */
  private static String workout(List<String> options) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(options);
    command.addAll(List.of("-XX:+PrintCompilation", "-cp", System.getProperty("java.class.path"),
        ValidatorWorkout.class.getName(), "5000"));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("validated 5000");
    return out;
  }

  /** A variable of scripts/lib/jvm.sh, word by word. */
  private static List<String> jvmOptions(String variable) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("bash", "-c", "source scripts/lib/jvm.sh && echo \"$" + variable + "\"")
        .directory(REPO.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.waitFor()).isZero();
    assertThat(out).as("%s in scripts/lib/jvm.sh", variable).isNotBlank();
    return Arrays.asList(out.split("\\s+"));
  }
}
