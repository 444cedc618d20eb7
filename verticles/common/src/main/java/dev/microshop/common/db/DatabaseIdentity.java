package dev.microshop.common.db;

import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;

/**
 * Which database a service instance really uses: the PostgreSQL server's {@code system_identifier}
 * (chosen at initdb, kept for the server's life, different for every server made by initdb or
 * restored from a logical dump) and the database's name on it. Two instances with the same
 * identity share their data; two with different identities do not.
 *
 * <p>Why the server's identifier and not a UUID row written by the service's own migration: a row
 * travels with {@code pg_dump}/restore, so a copy of the database on another server would pass as
 * the same; the system identifier does not. Neither tells apart two copies of one data directory
 * (a file copy, a physical replica): nothing inside the database can.
 *
 * <p>Privilege: stock PostgreSQL (13 and later) lets every role call {@code pg_control_system()}.
 * Where it has been revoked (some managed services do), the service's role needs, in the service's
 * database, {@code GRANT EXECUTE ON FUNCTION pg_control_system() TO <role>}; without it the
 * service refuses to start and says so.
 */
public record DatabaseIdentity(String systemIdentifier, String database) {

  private static final String QUERY =
      "SELECT system_identifier::text AS id, current_database() AS db FROM pg_control_system()";

  /** Reads the identity of the database {@code pool} reaches as {@code role}. */
  public static Future<DatabaseIdentity> of(Pool pool, String role) {
    return pool.query(QUERY).execute()
        .map(rows -> from(rows.iterator().next()))
        .recover(t -> Future.failedFuture(t instanceof PgException pg && "42501".equals(pg.getSqlState())
            ? new IllegalStateException("the service's role may not call pg_control_system(), which tells the database's "
                + "identity: run, as a superuser in its database, GRANT EXECUTE ON FUNCTION pg_control_system() TO " + role, t)
            : t));
  }

  private static DatabaseIdentity from(Row row) {
    return new DatabaseIdentity(row.getString("id"), row.getString("db"));
  }

  /** {@code <system_identifier>/<database>}: the form published in the discovery record and logged. */
  @Override
  public String toString() {
    return systemIdentifier + "/" + database;
  }
}
