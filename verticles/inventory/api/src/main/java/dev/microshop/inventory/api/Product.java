package dev.microshop.inventory.api;

import dev.microshop.common.json.Money;
import io.vertx.core.json.JsonObject;

import java.util.regex.Pattern;

/**
 * A product of the catalog with its stock.
 *
 * @param priceCents the price in cents (exact); on the wire also as {@code price: "12.90"}
 * @param onHand     units in the warehouse
 * @param reserved   units of {@code onHand} held for orders not yet shipped
 * @param category   lower-case letters and dashes, e.g. {@code drinkware}; {@code other} by default
 * @param imageVersion the version of its picture ({@link ImageSize}), a hash of the served bytes; null when it has none
 */
public record Product(String sku, String name, String description, long priceCents, int onHand, int reserved,
                      String category, String imageVersion) {

  /** Upper-case letters, digits and dashes, 3 to 32 characters, e.g. {@code MUG-BLUE-01}. */
  public static final Pattern SKU = Pattern.compile("[A-Z0-9][A-Z0-9-]{2,31}");
  public static final String CURRENCY = "EUR";
  /** A category: 2 to 32 lower-case letters or dashes. */
  public static final Pattern CATEGORY = Pattern.compile("[a-z][a-z-]{1,31}");
  public static final String DEFAULT_CATEGORY = "other";

  public int available() {
    return onHand - reserved;
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("sku", sku)
        .put("name", name)
        .put("description", description)
        .put("category", category)
        .put("price", Money.format(priceCents))
        .put("priceCents", priceCents)
        .put("currency", CURRENCY)
        .put("onHand", onHand)
        .put("reserved", reserved)
        .put("available", available())
        .put("imageVersion", imageVersion);
  }

  public static Product fromJson(JsonObject j) {
    return new Product(j.getString("sku"), j.getString("name"), j.getString("description"),
        j.getLong("priceCents"), j.getInteger("onHand"), j.getInteger("reserved"),
        j.getString("category", DEFAULT_CATEGORY), // an event written before categories: the default
        j.getString("imageVersion"));
  }
}
