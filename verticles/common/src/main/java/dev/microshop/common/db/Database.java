package dev.microshop.common.db;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * A service's database: started or reached, its own role and database ensured (embedded), its
 * migrations from {@code classpath:db/migration/<service>} applied, then a pool for that role.
 */
public final class Database {

  private static final Logger LOG = LoggerFactory.getLogger(Database.class);

  private Database() {
  }

  /** Opens the database of {@code service}: ready for queries when the future completes. */
  public static Future<Pool> open(Vertx vertx, String service, DbConfig config) {
    return vertx.executeBlocking(() -> prepare(service, config, vertx.isNativeTransportEnabled()), false)
        .map(options -> PgBuilder.pool()
            .with(new PoolOptions().setMaxSize(config.poolSize()).setName(service + "-pool").setShared(false)
                .setConnectionTimeout(config.poolWaitMs()).setConnectionTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS))
            .connectingTo(options)
            .using(vertx)
            .build());
  }

  /** Blocking: server, role, database and migrations; returns how a pool connects over TCP. */
  public static PgConnectOptions prepare(String service, DbConfig config) {
    return prepare(service, config, false);
  }

  /**
   * The same; with {@code unixSocket} (a Vert.x on a native transport: Vert.x 5.0's pg client refuses a
   * Unix socket on NIO), a pool of an embedded server connects through its Unix socket when it has one,
   * and a pool of an external server through the socket in {@code db.socket-directory} when it is set and there.
   */
  public static PgConnectOptions prepare(String service, DbConfig config, boolean unixSocket) {
    String host;
    int port;
    String password;
    String poolHost;
    if (config.embedded()) {
      EmbeddedPostgresServer.requireInThisJar("the " + service + " service's database (db.embedded=true, the default)");
      EmbeddedPostgresServer server = EmbeddedPostgresServer.acquire(config.dataDir(), config.embeddedPort(),
          config.embeddedShare());
      password = server.ensureServiceDatabase(config.database(), config.user());
      host = "localhost";
      port = server.port();
      // the pool through the server's Unix socket when there is one (the migrations' JDBC driver over TCP)
      poolHost = unixSocket ? server.socketDirectory().map(Path::toString).orElse(host) : host;
    } else {
      host = config.host();
      port = config.port();
      password = config.resolvePassword();
      poolHost = unixSocket ? externalSocket(service, config).orElse(host) : host;
      if (!config.socketDirectory().isEmpty() && !unixSocket) {
        LOG.info("{}: db.socket-directory is set but this JVM runs on NIO (the pg client needs a native transport"
            + " for a Unix socket): over TCP to {}:{}", service, host, port);
      }
    }
    // without a login timeout the driver waits for a server's answer for ever (a proxy with no server behind it)
    migrate(service, "jdbc:postgresql://" + host + ":" + port + "/" + config.database()
        + "?connectTimeout=" + config.connectTimeoutSeconds() + "&loginTimeout=" + config.connectTimeoutSeconds(),
        config.user(), password);
    return new PgConnectOptions()
        .setHost(poolHost)
        .setPort(port)
        .setDatabase(config.database())
        .setUser(config.user())
        .setPassword(password)
        .setCachePreparedStatements(true)
        // sent with the connection's start-up: a transaction left open by a stalled JVM ends, its locks with it
        .addProperty("idle_in_transaction_session_timeout", Integer.toString(config.idleInTransactionMs()))
        // each prepared statement planned once per connection, not for every execution: PostgreSQL's default
        // re-plans a statement whenever a plan for the parameters at hand looks cheaper than the generic one,
        // which for the batches' array parameters (one order's arrays against the generic plan's guess of
        // 10 elements, seen with EXPLAIN) was nearly always: two all-in-ones side by side, paced 110 orders/s each, 4 rounds,
        // took 6.9 CPU-ms of PostgreSQL per order with the default and 5.8 with this. So no statement may
        // need its parameters' values for a good plan ("$1 IS NULL OR column = $1": a statement per case).
        .addProperty("plan_cache_mode", "force_generic_plan")
        .setReconnectAttempts(2)
        .setReconnectInterval(500);
  }

  /**
   * An external server's Unix socket ({@code db.socket-directory}) when it is there; empty, said in the
   * log, when it is not (a server without one, or another directory): the pool then uses host and port.
   */
  private static Optional<String> externalSocket(String service, DbConfig config) {
    if (config.socketDirectory().isEmpty()) {
      return Optional.empty();
    }
    Path socket = Path.of(config.socketDirectory(), ".s.PGSQL." + config.port());
    if (Files.exists(socket)) {
      return Optional.of(config.socketDirectory());
    }
    LOG.warn("{}: no socket {} (db.socket-directory): over TCP to {}:{}", service, socket, config.host(), config.port());
    return Optional.empty();
  }

  /**
   * Two independent histories: common's mechanism tables (event log, consumer positions) in
   * {@code common_schema_history}, then the service's own schema in Flyway's default table; after the
   * latter, {@code db/callbacks/afterMigrate.sql} (every table's statistics target, each time).
   */
  private static void migrate(String service, String url, String user, String password) {
    // one migrating instance at a time per database, across JVMs: Flyway's own lock does not cover
    // the creation of a schema history table, which two instances starting together would race on
    try (Connection lock = DriverManager.getConnection(url, user, password);
         Statement s = lock.createStatement()) {
      s.execute("SELECT pg_advisory_lock(hashtext('microshop-migrations'))");
      runMigrations(service, url, user, password);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot migrate the database of " + service + ": " + e.getMessage(), e);
    }
  }

  private static void runMigrations(String service, String url, String user, String password) {
    Flyway.configure(Database.class.getClassLoader())
        .dataSource(url, user, password)
        .locations("classpath:db/migration/_common")
        .table("common_schema_history")
        .baselineOnMigrate(true)
        .baselineVersion("0")
        .connectRetries(5)
        .load()
        .migrate();
    MigrateResult result = Flyway.configure(Database.class.getClassLoader())
        .dataSource(url, user, password)
        .locations("classpath:db/migration/" + service, "classpath:db/callbacks") // afterMigrate.sql: statistics targets
        .baselineOnMigrate(true)
        .baselineVersion("0")
        .connectRetries(5)
        .load()
        .migrate();
    LOG.info("{}: schema at version {} ({} migration(s) applied now)", service,
        result.targetSchemaVersion == null ? "unchanged" : result.targetSchemaVersion, result.migrationsExecuted);
  }
}
