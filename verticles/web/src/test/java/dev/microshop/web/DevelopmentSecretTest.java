package dev.microshop.web;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** Two webs started at once on one development key file (cluster.sh's two webs) must hold one key. */
class DevelopmentSecretTest {

  @TempDir
  Path dir;

  @RepeatedTest(5)
  void webStartingAtOnceShareOneKey() throws Exception {
    Path file = dir.resolve("jwt-" + System.nanoTime());
    int webs = 8;
    CyclicBarrier together = new CyclicBarrier(webs);
    ExecutorService pool = Executors.newFixedThreadPool(webs);
    try {
      List<Future<String>> keys = new ArrayList<>();
      for (int i = 0; i < webs; i++) {
        keys.add(pool.submit(() -> {
          together.await();
          return Auth.developmentSecret(file);
        }));
      }
      Set<String> distinct = new HashSet<>();
      for (Future<String> key : keys) {
        distinct.add(key.get());
      }
      assertThat(distinct).as("the keys the webs hold").hasSize(1).containsExactly(Files.readString(file).trim());
      try (var left = Files.list(dir)) {
        assertThat(left.filter(p -> p.toString().endsWith(".tmp"))).as("temporary files left").isEmpty();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
