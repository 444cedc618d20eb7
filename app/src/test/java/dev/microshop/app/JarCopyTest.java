package dev.microshop.app;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * scripts/lib/procs.sh's {@code jar_copy}: the copy of its jar a clustered JVM runs, so that a build (which rewrites
 * target/*.jar in place) never changes the jar under a running JVM.
 */
class JarCopyTest {

  @TempDir
  Path dir;

  @Test
  @DisplayName("one copy per content; a rebuilt jar gets a new copy, the old one is kept while a process uses it and deleted after")
  void copiesPerContent() throws Exception {
    Path jar = dir.resolve("web-fat.jar");
    Path copies = dir.resolve("jars");
    Files.writeString(jar, "build 1");
    Path first = jarCopy(jar, copies);
    assertThat(first).hasContent("build 1").isNotEqualTo(jar);
    assertThat(first.getParent()).isEqualTo(copies);
    assertThat(jarCopy(jar, copies)).as("the same build again").isEqualTo(first);

    Process user = new ProcessBuilder("tail", "-f", first.toString()).start(); // a JVM running the first copy
    try {
      Files.writeString(jar, "build 2"); // mvn package: the same path, new content
      Path second = jarCopy(jar, copies);
      assertThat(second).isNotEqualTo(first).hasContent("build 2");
      assertThat(first).as("the copy a running process uses").hasContent("build 1");
    } finally {
      user.destroy();
      user.waitFor(10, TimeUnit.SECONDS);
    }
    Files.writeString(jar, "build 3");
    Path third = jarCopy(jar, copies);
    assertThat(third).hasContent("build 3");
    try (var left = Files.list(copies)) {
      assertThat(left).as("copies no process uses are deleted when a new one is made").containsExactly(third);
    }
  }

  private static Path jarCopy(Path jar, Path copies) throws Exception {
    Process p = new ProcessBuilder("bash", "-c", "set -euo pipefail; source scripts/lib/procs.sh; jar_copy \"$0\" \"$1\"",
        jar.toString(), copies.toString()).directory(ShopProcess.REPO.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("jar_copy: %s", out).isZero();
    return Path.of(out);
  }
}
