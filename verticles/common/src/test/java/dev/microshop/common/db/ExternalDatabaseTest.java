package dev.microshop.common.db;

import dev.microshop.common.eventlog.EventLog;
import dev.microshop.common.eventlog.EventLogAddresses;
import dev.microshop.common.testing.Await;
import dev.microshop.common.testing.TestData;
import dev.microshop.common.testing.TestService;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code db.embedded=false}: the service reaches a PostgreSQL that somebody else runs. The server
 * here is started beside the service, not by it (zonky directly, with password authentication for
 * everyone but the loopback superuser), and set up the way an operator would: a role with a
 * password and a database it owns, named unlike the service.
 */
class ExternalDatabaseTest {

  private static final String DATABASE = "shop_alpha_db";
  private static final String ROLE = "shop_alpha";
  private static final String PASSWORD = "operator-chosen-secret";
  private static final String HBA = String.join("\n",
      "host  all  postgres  127.0.0.1/32  trust",
      "host  all  postgres  ::1/128       trust",
      "host  all  all       127.0.0.1/32  scram-sha-256",
      "host  all  all       ::1/128       scram-sha-256",
      "");

  /** A service on the test migrations of {@code alpha}: adds a thing and records that it did. */
  public static class Alpha extends TestService {
    public Alpha() {
      super("alpha", s -> s.serve("alpha.add", body -> s.transaction(tx -> tx.preparedQuery("INSERT INTO thing (name) VALUES ($1)")
          .execute(Tuple.of(body.getString("name")))
          .compose(rows -> EventLog.append(tx, "thing.added", body.getString("name"), body)))
          .map(v -> new JsonObject())));
    }
  }

  private static EmbeddedPostgres external;
  private Vertx vertx;
  private Path embeddedDataDir;

  @BeforeAll
  static void startExternalServer() throws Exception {
    external = EmbeddedPostgres.builder()
        .setDataDirectoryCustomizer(dir -> {
          try {
            Files.writeString(dir.toPath().resolve("pg_hba.conf"), HBA);
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        })
        .start();
    try (Connection c = external.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("SET password_encryption = 'scram-sha-256'");
      s.execute("CREATE ROLE " + ROLE + " LOGIN PASSWORD '" + PASSWORD + "'");
      s.execute("CREATE DATABASE " + DATABASE + " OWNER " + ROLE);
      s.execute("REVOKE ALL ON DATABASE " + DATABASE + " FROM PUBLIC");
    }
  }

  @AfterAll
  static void stopExternalServer() throws Exception {
    external.close();
  }

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    embeddedDataDir = TestData.freshDataDir("never-started");
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
    EmbeddedPostgresServer.stopAll();
  }

  @Test
  @DisplayName("with db.embedded=false the service migrates, writes and reads the external server's database"
      + " as the configured role, and starts no embedded server")
  void externalServer() throws Exception {
    await(vertx.deployVerticle(Alpha::new,
        new DeploymentOptions().setConfig(config(external.getPort(), PASSWORD))));

    Await.request(vertx, "alpha.add", new JsonObject().put("name", "first"));
    Await.request(vertx, "alpha.add", new JsonObject().put("name", "second"));
    JsonArray read = Await.request(vertx, EventLogAddresses.read("alpha"), new JsonObject()).getJsonArray("events");
    assertThat(read.stream().map(e -> ((JsonObject) e).getString("aggregateId"))).containsExactly("first", "second");

    // what the operator finds in the server: the schema, owned by the service's role, and the data
    try (Connection c = external.getDatabase("postgres", DATABASE).getConnection()) {
      assertThat(column(c, "SELECT tablename || ' ' || tableowner FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"))
          .containsExactly("common_schema_history " + ROLE, "consumer_position " + ROLE, "event_log " + ROLE,
              "flyway_schema_history " + ROLE, "thing " + ROLE);
      assertThat(column(c, "SELECT version FROM flyway_schema_history WHERE success AND type <> 'BASELINE' ORDER BY installed_rank"))
          .containsExactly("1", "2");
      assertThat(column(c, "SELECT name FROM thing ORDER BY id")).containsExactly("first", "second");
      assertThat(column(c, "SELECT aggregate_id FROM event_log ORDER BY position")).containsExactly("first", "second");
    }
    // nothing under the embedded data directory (not even its lock or its secrets beside it)
    try (Stream<Path> beside = Files.list(embeddedDataDir.getParent())) {
      assertThat(beside).isEmpty();
    }
  }

  @Test
  @DisplayName("with db.embedded=false and pg_control_system() revoked (as some managed services do), the deployment fails"
      + " saying which GRANT the role needs; with that grant it starts")
  void identityNeedsItsGrant() throws Exception {
    try (Connection c = external.getDatabase("postgres", DATABASE).getConnection(); Statement s = c.createStatement()) {
      s.execute("REVOKE EXECUTE ON FUNCTION pg_control_system() FROM PUBLIC");
      try {
        assertThatThrownBy(() -> await(vertx.deployVerticle(Alpha::new, new DeploymentOptions().setConfig(config(external.getPort(), PASSWORD)))))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("GRANT EXECUTE ON FUNCTION pg_control_system() TO " + ROLE);

        s.execute("GRANT EXECUTE ON FUNCTION pg_control_system() TO " + ROLE);
        await(vertx.deployVerticle(Alpha::new, new DeploymentOptions().setConfig(config(external.getPort(), PASSWORD))));
      } finally {
        s.execute("REVOKE EXECUTE ON FUNCTION pg_control_system() FROM " + ROLE);
        s.execute("GRANT EXECUTE ON FUNCTION pg_control_system() TO PUBLIC");
      }
    }
  }

  @Test
  @DisplayName("with db.embedded=false a wrong password fails the deployment with the server's refusal")
  void wrongPassword() {
    assertThatThrownBy(() -> await(vertx.deployVerticle(Alpha::new,
        new DeploymentOptions().setConfig(config(external.getPort(), "not-the-password")))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot migrate the database of alpha")
        .hasMessageContaining("password authentication failed for user \"" + ROLE + "\"");
    assertThat(embeddedDataDir).doesNotExist();
  }

  @Test
  @DisplayName("with db.embedded=false a port where no server listens fails the deployment at once")
  void nothingListening() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    assertThatThrownBy(() -> await(vertx.deployVerticle(Alpha::new,
        new DeploymentOptions().setConfig(config(closedPort, PASSWORD)))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot migrate the database of alpha")
        .hasMessageContaining("Connection to localhost:" + closedPort + " refused");
    assertThat(embeddedDataDir).doesNotExist();
  }

  @Test
  @DisplayName("with db.embedded=false a port that accepts connections but never answers fails the deployment"
      + " after db.connect-timeout-seconds, instead of hanging it")
  void silentPort() throws Exception {
    try (ServerSocket silent = new ServerSocket(0)) { // never accepts: the kernel completes the handshakes
      JsonObject config = config(silent.getLocalPort(), PASSWORD);
      config.getJsonObject("db").put("connect-timeout-seconds", 2);
      assertThatThrownBy(() -> await(vertx.deployVerticle(Alpha::new, new DeploymentOptions().setConfig(config))))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("cannot migrate the database of alpha")
          .hasMessageContaining("Connection attempt timed out");
    }
    assertThat(embeddedDataDir).doesNotExist();
  }

  /** The service's configuration as an operator writes it for an external server. */
  private JsonObject config(int port, String password) {
    return new JsonObject().put("db", new JsonObject()
        .put("embedded", false)
        .put("host", "localhost")
        .put("port", port)
        .put("database", DATABASE)
        .put("user", ROLE)
        .put("password", password)
        .put("embedded-data-dir", embeddedDataDir.toString()));
  }

  private static List<String> column(Connection c, String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }
}
