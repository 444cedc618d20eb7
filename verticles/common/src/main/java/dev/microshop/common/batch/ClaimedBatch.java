package dev.microshop.common.batch;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A batch of commands applied in one transaction, each idempotent by its id (an order's): each id is
 * claimed once, by a row the first command for it inserts; a command whose id was claimed before
 * gets the first outcome again, the others are decided.
 */
public final class ClaimedBatch {

  private ClaimedBatch() {
  }

  /**
   * Claims the commands' ids with {@code claimSql}, one statement for all: an {@code INSERT ... SELECT ...
   * FROM unnest(...) WITH ORDINALITY ... ORDER BY} the ordinality {@code ON CONFLICT DO NOTHING RETURNING}
   * the id, of the arrays {@code claims} gives for the distinct commands sorted by id; it answers the ids
   * it claimed. Rows are inserted, and so locked, in the order of the ids, so two batches never wait on
   * each other in a cycle. Then {@code decide}s the claimed commands in the batch's order and reads the
   * outcomes of the others ({@code earlier}, by id). Answers one outcome per command, in order; a command
   * repeated in the batch gets the outcome of its first.
   */
  public static <C, R> Future<List<R>> apply(SqlClient tx, List<C> commands, Function<C, String> id, String claimSql,
                                             Function<List<C>, Tuple> claims, Function<List<C>, Future<List<R>>> decide,
                                             Function<List<String>, Future<List<R>>> earlier, Function<R, String> outcomeId) {
    Map<String, C> distinct = new LinkedHashMap<>();
    commands.forEach(c -> distinct.putIfAbsent(id.apply(c), c));
    List<C> byId = distinct.values().stream().sorted(Comparator.comparing(id)).toList();
    return tx.preparedQuery(claimSql).execute(claims.apply(byId)).compose(rows -> {
      Set<String> won = new HashSet<>();
      rows.forEach(r -> won.add(r.getString(0)));
      List<C> claimed = distinct.values().stream().filter(c -> won.contains(id.apply(c))).toList();
      List<String> others = distinct.keySet().stream().filter(i -> !won.contains(i)).toList();
      Future<List<R>> decided = claimed.isEmpty() ? Future.succeededFuture(List.of()) : decide.apply(claimed);
      return decided.compose(d -> (others.isEmpty() ? Future.succeededFuture(List.<R>of()) : earlier.apply(others)).map(e -> {
        Map<String, R> byCommand = new HashMap<>();
        d.forEach(o -> byCommand.put(outcomeId.apply(o), o));
        e.forEach(o -> byCommand.put(outcomeId.apply(o), o));
        return commands.stream().map(c -> byCommand.get(id.apply(c))).toList();
      }));
    });
  }
}
