package dev.microshop.order.api;

import dev.microshop.common.failure.ServiceException;
import dev.microshop.common.json.Input;
import io.vertx.core.json.JsonObject;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where an order goes: {@code {name, street, postcode, city, country}}. Each field is trimmed; name,
 * street and city are 1 to 100 characters (street 200) without control characters, the postcode 1 to
 * 12 letters, digits, spaces or dashes, the country an ISO 3166-1 alpha-2 code ({@code "FR"},
 * upper-cased). Anything else, or another field, is a 400 naming the field.
 */
public record DeliveryAddress(String name, String street, String postcode, String city, String country) {

  private static final Pattern TEXT = Pattern.compile("[^\\p{Cntrl}]+");
  private static final Pattern POSTCODE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 -]{0,11}");
  private static final Set<String> COUNTRIES = Set.of(Locale.getISOCountries());

  /** The address of a body's {@code address} field; null when there is none. */
  public static DeliveryAddress fromJson(Object raw) {
    if (raw == null) {
      return null;
    }
    if (!(raw instanceof JsonObject json)) {
      throw ServiceException.badRequest("address must be an object {name, street, postcode, city, country}");
    }
    try {
      Input in = Input.of(json).only("name", "street", "postcode", "city", "country");
      String country = in.string("country", 2, 2).toUpperCase(Locale.ROOT);
      if (!COUNTRIES.contains(country)) {
        throw ServiceException.badRequest("country must be an ISO 3166-1 alpha-2 code, e.g. FR");
      }
      return new DeliveryAddress(text(in, "name", 100), text(in, "street", 200),
          in.matching("postcode", POSTCODE, "1 to 12 letters, digits, spaces or dashes"), text(in, "city", 100), country);
    } catch (ServiceException e) {
      throw ServiceException.badRequest("address: " + e.getMessage());
    }
  }

  private static String text(Input in, String field, int max) {
    String s = in.string(field, 1, max);
    if (!TEXT.matcher(s).matches()) {
      throw ServiceException.badRequest(field + " must not hold control characters");
    }
    return s;
  }

  public JsonObject toJson() {
    return new JsonObject().put("name", name).put("street", street).put("postcode", postcode).put("city", city)
        .put("country", country);
  }
}
