package dev.microshop.inventory.api;

import dev.microshop.common.failure.ServiceException;
import dev.microshop.common.json.Input;
import io.vertx.core.json.JsonObject;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A page of the catalog, as {@code GET /api/products} and {@link InventoryAddresses#LIST_PRODUCTS}
 * take it: {@code q} is words, each of which must appear in the name, sku or description (any case,
 * anywhere in them; quotation marks around a word are ignored, so {@code "mug"} finds the mugs; kept
 * as {@code words}, lower case, null for no search),
 * {@code category} keeps one category, {@code sort} orders the matches, {@code limit} and
 * {@code offset} page through them. The inventory answers it in SQL, the web's catalog view in
 * memory with {@link #matches} and {@link #order}: both give the same page.
 */
public record CatalogQuery(List<String> words, String category, Sort sort, int limit, int offset) {

  /** What separates a search's words: any white space. */
  private static final Pattern SPACES = Pattern.compile("[\\s\\p{Z}]+");
  /** A quotation mark (straight, typographic, a guillemet). */
  private static final String QUOTE = "[\"'\u201C\u201D\u201E\u2018\u2019\u201A\u00AB\u00BB]";
  /** Quotation marks around a word: a search ignores them. */
  private static final Pattern QUOTES = Pattern.compile("^" + QUOTE + "+|" + QUOTE + "+$");

  /** How matches are ordered; each falls back to the sku, so pages never overlap. */
  public enum Sort {
    SKU("sku", Comparator.comparing(Product::sku)),
    NAME("name", Comparator.comparing((Product p) -> p.name().toLowerCase(Locale.ROOT)).thenComparing(Product::sku)),
    PRICE("price", Comparator.comparingLong(Product::priceCents).thenComparing(Product::sku)),
    PRICE_DESC("-price", Comparator.comparingLong(Product::priceCents).reversed().thenComparing(Product::sku));

    private final String param;
    private final Comparator<Product> order;

    Sort(String param, Comparator<Product> order) {
      this.param = param;
      this.order = order;
    }

    public String param() {
      return param;
    }

    static Sort of(String param) {
      return Arrays.stream(values()).filter(s -> s.param.equals(param)).findFirst()
          .orElseThrow(() -> ServiceException.badRequest("sort must be one of sku, name, price, -price"));
    }
  }

  /** Reads and checks a query ({@code {q?, category?, sort?, limit?, offset?}}); {@code maxLimit} is also the default. */
  public static CatalogQuery fromJson(JsonObject body, int maxLimit) {
    Input in = Input.of(body).only("q", "category", "sort", "limit", "offset");
    String q = in.optionalString("q", 100);
    String category = in.optionalString("category", 32);
    if (category != null && !category.isEmpty() && !Product.CATEGORY.matcher(category).matches()) {
      throw ServiceException.badRequest("category must be 2 to 32 lower-case letters or dashes");
    }
    String sort = in.optionalString("sort", 10);
    List<String> words = q == null ? List.of() : wordsOf(q);
    return new CatalogQuery(words.isEmpty() ? null : words,
        category == null || category.isEmpty() ? null : category, sort == null ? Sort.SKU : Sort.of(sort),
        in.integer("limit", 1, maxLimit, maxLimit), in.integer("offset", 0, Integer.MAX_VALUE, 0));
  }

  public JsonObject toJson() {
    JsonObject j = new JsonObject().put("sort", sort.param()).put("limit", limit).put("offset", offset);
    if (words != null) {
      j.put("q", String.join(" ", words));
    }
    if (category != null) {
      j.put("category", category);
    }
    return j;
  }

  /** A search's words, lower case, without the quotation marks around them; none when it has no word. */
  private static List<String> wordsOf(String q) {
    return SPACES.splitAsStream(q.toLowerCase(Locale.ROOT)).map(w -> QUOTES.matcher(w).replaceAll(""))
        .filter(w -> !w.isEmpty()).toList();
  }

  public boolean matches(Product p) {
    if (category != null && !category.equals(p.category())) {
      return false;
    }
    if (words == null) {
      return true;
    }
    String name = p.name().toLowerCase(Locale.ROOT);
    String sku = p.sku().toLowerCase(Locale.ROOT);
    String description = p.description().toLowerCase(Locale.ROOT);
    return words.stream().allMatch(w -> name.contains(w) || sku.contains(w) || description.contains(w));
  }

  public Comparator<Product> order() {
    return sort.order;
  }
}
