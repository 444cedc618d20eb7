package dev.microshop.inventory.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * A product as the catalog's readers keep it: the product and its version, which goes up by one
 * with every change of what a shopper sees of it (added, restocked, stock reserved or released).
 * A reader keeps the entry of the highest version, so entries may arrive in any order and twice.
 *
 * <p>The inventory writes them in the event {@link #CHANGED} (payload {@code {products: [entry...]}},
 * one event per transaction, for the products it changed) and answers {@link InventoryAddresses#CATALOG}
 * with all of them.
 */
public record CatalogEntry(Product product, long version) {

  /** The event type of a transaction's changed products. */
  public static final String CHANGED = "catalog.changed";
  /** The aggregate id of those events: the catalog as a whole. */
  public static final String AGGREGATE = "catalog";

  public JsonObject toJson() {
    return product.toJson().put("version", version);
  }

  public static CatalogEntry fromJson(JsonObject j) {
    return new CatalogEntry(Product.fromJson(j), j.getLong("version"));
  }

  /** The payload of a {@link #CHANGED} event, and the products of a catalog snapshot. */
  public static JsonObject toJson(List<CatalogEntry> entries) {
    return new JsonObject().put("products", new JsonArray(entries.stream().map(CatalogEntry::toJson).toList()));
  }

  public static List<CatalogEntry> listFromJson(JsonObject body) {
    return body.getJsonArray("products").stream().map(p -> fromJson((JsonObject) p)).toList();
  }
}
