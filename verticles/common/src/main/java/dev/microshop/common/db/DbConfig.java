package dev.microshop.common.db;

import io.vertx.core.json.JsonObject;

import java.util.regex.Pattern;

/**
 * The {@code db} section of a service's configuration.
 *
 * @param embedded     true: start (or join) an embedded PostgreSQL under {@code dataDir};
 *                     false: connect to the external server at host/port
 * @param host         external server host
 * @param port         external server port
 * @param database     the service's database (default: the service name)
 * @param user         the service's role (default: the service name)
 * @param password     the role's password (external; embedded roles get a generated one)
 * @param passwordFile external: a file holding the role's password (wins over {@code password}), so that
 *                     the password appears in no process list, environment dump or log; {@code cluster.sh}
 *                     points it at the secrets file its database server keeps
 * @param poolSize     connections in the service's pool
 * @param dataDir      embedded: the data directory, kept across restarts
 * @param embeddedPort embedded: the port, 0 for any free one
 * @param connectTimeoutSeconds how long opening a connection for the migrations may take, TCP connect and
 *                     login together: a port that accepts but never answers fails the start instead of hanging it
 * @param poolWaitMs   how long a query or transaction may wait for a connection of the pool (a free one, or a
 *                     new one being opened) before it fails (503, busy): work queued longer is done for
 *                     callers that have given up (a request waits 3 s), and the queue of an overloaded service
 *                     stays bounded. Opening a connection counts: at 3 s, a cluster's start on a loaded 2-core
 *                     machine failed (its first query waited for its first connection), hence 10 s
 * @param idleInTransactionMs the server ends a session of this pool that sat this long inside a transaction
 *                     without a statement ({@code idle_in_transaction_session_timeout}; 0: never). The services'
 *                     transactions are SQL only, never waiting on a remote answer, so only a stalled JVM (SIGSTOP,
 *                     a frozen VM, a long pause) leaves one open; its row locks would hold up every other
 *                     instance writing the same rows (a hedged placement with the same Idempotency-Key) until
 *                     it resumes
 * @param embeddedShare embedded: true lets this JVM join the server that another live JVM runs on
 *                     {@code dataDir} (the instances of one service, as scripts/cluster.sh starts them);
 *                     false (the default) refuses to start on a directory that another JVM uses
 * @param socketDirectory external: the directory of the server's Unix socket when it runs on this machine
 *                     ({@code .s.PGSQL.<port>} in it; {@code cluster.sh} gives its database server's data
 *                     directory): the pool connects through it, on a native transport, while the migrations
 *                     keep host and port; "" (the default): host and port for both
 */
public record DbConfig(boolean embedded, String host, int port, String database, String user, String password,
                       String passwordFile, int poolSize, String dataDir, int embeddedPort, int connectTimeoutSeconds,
                       int poolWaitMs, int idleInTransactionMs, boolean embeddedShare, String socketDirectory) {

  private static final Pattern IDENTIFIER = Pattern.compile("[a-z][a-z0-9_]{0,62}");

  public static DbConfig from(String service, JsonObject conf) {
    JsonObject db = conf.getJsonObject("db", new JsonObject());
    DbConfig c = new DbConfig(
        db.getBoolean("embedded", true),
        db.getString("host", "localhost"),
        db.getInteger("port", 5432),
        orDefault(db.getString("database"), service),
        orDefault(db.getString("user"), service),
        db.getString("password", ""),
        db.getString("password-file", ""),
        db.getInteger("pool-size", 5),
        db.getString("embedded-data-dir", "data/pg"),
        db.getInteger("embedded-port", 0),
        db.getInteger("connect-timeout-seconds", 30),
        db.getInteger("pool-wait-ms", 10000),
        db.getInteger("idle-in-transaction-ms", 2000),
        db.getBoolean("embedded-share", false),
        db.getString("socket-directory", ""));
    if (c.idleInTransactionMs < 0) {
      throw new IllegalArgumentException("db.idle-in-transaction-ms must be 0 (never) or more, not " + c.idleInTransactionMs);
    }
    if (c.embedded && (!IDENTIFIER.matcher(c.database).matches() || !IDENTIFIER.matcher(c.user).matches())) {
      throw new IllegalArgumentException("embedded database and user must be lower-case identifiers: "
          + c.database + ", " + c.user);
    }
    return c;
  }

  /**
   * The role's password: the content of {@code password-file} (trimmed) when one is named, else
   * {@code password}. Blocking (reads the file): call off the event loop.
   */
  public String resolvePassword() {
    if (passwordFile == null || passwordFile.isBlank()) {
      return password;
    }
    try {
      return java.nio.file.Files.readString(java.nio.file.Path.of(passwordFile)).trim();
    } catch (java.io.IOException e) {
      throw new IllegalStateException("db.password-file " + passwordFile + " cannot be read: " + e, e);
    }
  }

  private static String orDefault(String value, String fallback) {
    return value == null || value.isBlank() ? fallback : value;
  }

  @Override
  public String toString() {
    return "DbConfig[" + (embedded ? "embedded " + dataDir : host + ":" + port) + ", database=" + database
        + ", user=" + user + ", poolSize=" + poolSize + "]";
  }
}
