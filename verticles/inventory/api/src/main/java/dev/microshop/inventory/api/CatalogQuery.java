package dev.microshop.inventory.api;

import dev.microshop.common.failure.ServiceException;
import dev.microshop.common.json.Input;
import io.vertx.core.json.JsonObject;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;

/**
 * A page of the catalog, as {@code GET /api/products} and {@link InventoryAddresses#LIST_PRODUCTS}
 * take it: {@code q} matches the name, sku or description (case-insensitive, anywhere in them),
 * {@code category} keeps one category, {@code sort} orders the matches, {@code limit} and
 * {@code offset} page through them. The inventory answers it in SQL, the web's catalog view in
 * memory with {@link #matches} and {@link #order}: both give the same page.
 */
public record CatalogQuery(String q, String category, Sort sort, int limit, int offset) {

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
    return new CatalogQuery(q == null || q.isBlank() ? null : q.strip().toLowerCase(Locale.ROOT),
        category == null || category.isEmpty() ? null : category, sort == null ? Sort.SKU : Sort.of(sort),
        in.integer("limit", 1, maxLimit, maxLimit), in.integer("offset", 0, Integer.MAX_VALUE, 0));
  }

  public JsonObject toJson() {
    JsonObject j = new JsonObject().put("sort", sort.param()).put("limit", limit).put("offset", offset);
    if (q != null) {
      j.put("q", q);
    }
    if (category != null) {
      j.put("category", category);
    }
    return j;
  }

  public boolean matches(Product p) {
    return (category == null || category.equals(p.category()))
        && (q == null || p.name().toLowerCase(Locale.ROOT).contains(q) || p.sku().toLowerCase(Locale.ROOT).contains(q)
            || p.description().toLowerCase(Locale.ROOT).contains(q));
  }

  public Comparator<Product> order() {
    return sort.order;
  }
}
