package dev.microshop.common.db;

/**
 * Run in a child JVM by {@link OrphanedServerTest}: starts the embedded server of a data
 * directory, writes a row, says READY with the postmaster's pid, and waits to be killed.
 */
public final class OrphanMaker {

  public static void main(String[] args) throws Exception {
    EmbeddedPostgresServer server = EmbeddedPostgresServer.acquire(args[0], 0);
    String password = server.ensureServiceDatabase("alpha", "alpha");
    try (var c = java.sql.DriverManager.getConnection(
        "jdbc:postgresql://localhost:" + server.port() + "/alpha", "alpha", password);
         var s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS survivor (name text)");
      s.execute("INSERT INTO survivor VALUES ('committed before kill -9')");
    }
    long pid = Long.parseLong(java.nio.file.Files.readAllLines(
        java.nio.file.Path.of(args[0], "postmaster.pid")).get(0).trim());
    System.out.println("READY " + pid);
    System.out.flush();
    Thread.sleep(600_000);
  }
}
