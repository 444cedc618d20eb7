package dev.microshop.inventory.api;

import dev.microshop.common.json.Input;
import io.vertx.core.json.JsonObject;

/**
 * Admin command: a new product. Body {@code {sku, name, description?, price, stock?, category?}} where
 * price is a decimal amount ({@code "12.90"}), stock the units on hand at start (default 0) and
 * category 2 to 32 lower-case letters or dashes (default {@code other}).
 */
public record AddProduct(String sku, String name, String description, long priceCents, int stock, String category) {

  public static final int MAX_STOCK = 1_000_000;

  public static AddProduct fromJson(JsonObject body) {
    Input in = Input.of(body).only("sku", "name", "description", "price", "stock", "category");
    return new AddProduct(
        in.matching("sku", Product.SKU, "3 to 32 upper-case letters, digits or dashes"),
        in.string("name", 1, 200),
        in.string("description", 0, 2000),
        in.cents("price"),
        in.integer("stock", 0, MAX_STOCK, 0),
        body.getValue("category") == null ? Product.DEFAULT_CATEGORY
            : in.matching("category", Product.CATEGORY, "2 to 32 lower-case letters or dashes"));
  }

  public JsonObject toJson() {
    return new JsonObject().put("sku", sku).put("name", name).put("description", description)
        .put("price", dev.microshop.common.json.Money.format(priceCents)).put("stock", stock).put("category", category);
  }
}
