package dev.microshop.inventory.db;

import dev.microshop.inventory.api.CatalogQuery;
import io.vertx.sqlclient.Tuple;

import java.util.List;

/**
 * The products a {@link CatalogQuery} matches, in SQL, as {@link CatalogQuery#matches} decides in memory:
 * every word of its search in the name, sku or description ({@code $1}, the words, or null: no search),
 * and its category ({@code $2}, or null).
 */
final class CatalogMatch {

  static final String WHERE = " WHERE ($1::text[] IS NULL OR NOT EXISTS (SELECT 1 FROM unnest($1::text[]) AS w(word)"
      + "   WHERE strpos(lower(name), w.word) = 0 AND strpos(lower(sku), w.word) = 0"
      + "   AND strpos(lower(description), w.word) = 0)) AND ($2::text IS NULL OR category = $2)";

  private CatalogMatch() {
  }

  /** {@code $1} and {@code $2} of {@link #WHERE}. */
  static Tuple args(CatalogQuery query) {
    List<String> words = query.words();
    return Tuple.tuple().addArrayOfString(words == null ? null : words.toArray(String[]::new)).addString(query.category());
  }
}
