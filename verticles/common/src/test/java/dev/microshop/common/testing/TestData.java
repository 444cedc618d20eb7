package dev.microshop.common.testing;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Helpers shared by the tests of every module (published in common's test-jar). */
public final class TestData {

  private TestData() {
  }

  /** A fresh directory for an embedded PostgreSQL of one test class, under {@code target/}. */
  public static Path freshDataDir(String name) {
    try {
      Path base = Path.of("target", "test-data");
      Files.createDirectories(base);
      return Files.createTempDirectory(base.toAbsolutePath(), name + "-").resolve("pg");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The deployment config of a service that keeps its embedded database in {@code dataDir}. */
  public static JsonObject serviceConfig(Path dataDir) {
    return new JsonObject().put("db", new JsonObject().put("embedded-data-dir", dataDir.toString()));
  }
}
