package dev.microshop.common.testing;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

/**
 * How a table's rows were updated in the current transaction: PostgreSQL's own counts
 * ({@code pg_stat_xact_user_tables}, not yet sent to its statistics, so exact at once). An update
 * is "HOT" (heap-only) when it changed no indexed column and found room on the row's page: no new
 * index entries, and nothing for vacuum to clean in the indexes.
 */
public record InPlaceUpdates(long updates, long hot) {

  /** The counts of {@code table} so far in the transaction of {@code tx}. */
  public static Future<InPlaceUpdates> of(SqlClient tx, String table) {
    return tx.preparedQuery("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = $1")
        .execute(Tuple.of(table))
        .map(rows -> {
          Row row = rows.iterator().next();
          return new InPlaceUpdates(row.getLong(0), row.getLong(1));
        });
  }
}
