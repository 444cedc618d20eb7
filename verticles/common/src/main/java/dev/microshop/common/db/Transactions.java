package dev.microshop.common.db;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.TransactionRollbackException;

import java.util.function.Function;

/**
 * Transactions whose {@code BEGIN} costs no round trip of its own.
 *
 * <p>{@link Pool#withTransaction} sends {@code BEGIN} and waits for its answer before the work's first
 * statement: a round trip per transaction (a participant's batch is a few statements, so a fifth of
 * its round trips). Here the work starts at once: its first statement goes right behind the
 * {@code BEGIN} on the same connection (the client pipelines them, as PostgreSQL's JDBC driver does
 * with every transaction's {@code BEGIN}). The server runs them in order, so the statement is inside
 * the transaction. A {@code BEGIN} fails only with its connection (and then so does what follows
 * it); were it to fail alone, the transaction is marked failed, its commit becomes a rollback and the
 * outcome is that failure. Otherwise the same as {@code withTransaction}: a
 * commit when the work succeeds, a rollback when it fails, the connection given back either way.
 */
public final class Transactions {

  private Transactions() {
  }

  /** Runs {@code work} in one transaction of a connection of {@code pool}; its result once committed. */
  public static <T> Future<T> run(Pool pool, Function<SqlConnection, Future<T>> work) {
    return pool.getConnection().compose(conn -> {
      conn.begin(); // not awaited: its outcome is the transaction's (a failed BEGIN makes the commit a rollback)
      Transaction tx = conn.transaction();
      Future<T> done;
      try {
        done = work.apply(conn);
      } catch (RuntimeException e) {
        done = Future.failedFuture(e);
      }
      return done.compose(result -> tx.commit().map(result),
              failure -> failure instanceof TransactionRollbackException ? Future.failedFuture(failure)
                  : tx.rollback().transform(ignored -> Future.<T>failedFuture(failure)))
          .onComplete(ar -> conn.close());
    });
  }
}
