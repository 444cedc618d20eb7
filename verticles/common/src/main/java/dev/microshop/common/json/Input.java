package dev.microshop.common.json;

import dev.microshop.common.failure.ServiceException;
import io.vertx.core.json.JsonObject;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reading untrusted JSON: every accessor checks presence, type and range and fails with a
 * 400 {@link ServiceException} whose message names the field, never a ClassCastException.
 */
public final class Input {

  private final JsonObject json;

  private Input(JsonObject json) {
    this.json = json;
  }

  /** Wraps a body; a missing body is an empty object. */
  public static Input of(JsonObject json) {
    return new Input(json == null ? new JsonObject() : json);
  }

  /** Fails when the body has any field beyond {@code allowed} (a price, an owner, a status...). */
  public Input only(String... allowed) {
    Set<String> unknown = new TreeSet<>(json.fieldNames());
    unknown.removeAll(Set.of(allowed));
    if (!unknown.isEmpty()) {
      throw ServiceException.badRequest("unknown or read-only field(s): " + String.join(", ", unknown));
    }
    return this;
  }

  public String string(String field, int minLength, int maxLength) {
    Object v = json.getValue(field);
    if (v == null) {
      if (minLength == 0) {
        return "";
      }
      throw ServiceException.badRequest(field + " is required");
    }
    if (!(v instanceof String s)) {
      throw ServiceException.badRequest(field + " must be a string");
    }
    String t = s.strip();
    if (t.length() < minLength || t.length() > maxLength) {
      throw ServiceException.badRequest(field + " must be " + minLength + " to " + maxLength + " characters");
    }
    return t;
  }

  public String matching(String field, Pattern pattern, String what) {
    String s = string(field, 1, 200);
    if (!pattern.matcher(s).matches()) {
      throw ServiceException.badRequest(field + " must be " + what);
    }
    return s;
  }

  /** A field holding a UUID (a customer id, an order id), or 400. */
  public java.util.UUID uuid(String field) {
    return uuidOr(string(field, 1, 64), () -> ServiceException.badRequest(field + " must be a UUID"));
  }

  /**
   * The UUID written in {@code raw}, or the failure {@code otherwise} gives (e.g. a 404: an id that is
   * not even a UUID names nothing one may see).
   */
  public static java.util.UUID uuidOr(String raw, java.util.function.Supplier<ServiceException> otherwise) {
    try {
      return java.util.UUID.fromString(raw);
    } catch (IllegalArgumentException e) {
      throw otherwise.get();
    }
  }

  /** An optional string: null when absent. */
  public String optionalString(String field, int maxLength) {
    return json.getValue(field) == null ? null : string(field, 0, maxLength);
  }

  public int integer(String field, int min, int max) {
    Object v = json.getValue(field);
    if (v == null) {
      throw ServiceException.badRequest(field + " is required");
    }
    return checkInteger(field, v, min, max);
  }

  public int integer(String field, int min, int max, int defaultValue) {
    Object v = json.getValue(field);
    return v == null ? defaultValue : checkInteger(field, v, min, max);
  }

  private static int checkInteger(String field, Object v, int min, int max) {
    if (!(v instanceof Integer || v instanceof Long)) {
      throw ServiceException.badRequest(field + " must be a whole number");
    }
    long n = ((Number) v).longValue();
    if (n < min || n > max) {
      throw ServiceException.badRequest(field + " must be between " + min + " and " + max);
    }
    return (int) n;
  }

  /** A true/false field: {@code defaultValue} when absent, a 400 naming the field when it is anything else. */
  public boolean bool(String field, boolean defaultValue) {
    Object v = json.getValue(field, defaultValue);
    if (!(v instanceof Boolean b)) {
      throw ServiceException.badRequest(field + " must be true or false");
    }
    return b;
  }

  public long cents(String field) {
    Object v = json.getValue(field);
    if (v == null) {
      throw ServiceException.badRequest(field + " is required");
    }
    return Money.parseCents(field, v);
  }
}
