package dev.microshop.common.json;

import dev.microshop.common.failure.ServiceException;

import java.math.BigDecimal;

/**
 * Amounts of money as whole minor units (cents) in a {@code long}: exact, never floating point.
 * On the wire an amount travels as a decimal string with two places ({@code "12.90"}) beside
 * its minor units ({@code 1290}).
 */
public final class Money {

  /** The largest amount accepted as input: 1,000,000.00. */
  public static final long MAX_CENTS = 100_000_000L;

  private Money() {
  }

  /**
   * Parses an amount given as a decimal string ({@code "12.9"}, {@code "12.90"}) or a JSON
   * number, to cents. More than two decimal places, a negative or a too-large amount → 400.
   */
  public static long parseCents(String field, Object value) {
    BigDecimal amount;
    try {
      if (value instanceof String s) {
        amount = new BigDecimal(s.trim());
      } else if (value instanceof Integer || value instanceof Long) {
        amount = BigDecimal.valueOf(((Number) value).longValue());
      } else if (value instanceof BigDecimal b) {
        amount = b;
      } else if (value instanceof Double || value instanceof Float) {
        // the JSON parser made a double of the literal; its shortest decimal form is the literal
        amount = new BigDecimal(Double.toString(((Number) value).doubleValue()));
      } else {
        throw ServiceException.badRequest(field + " must be a decimal amount such as \"12.90\"");
      }
    } catch (NumberFormatException e) {
      throw ServiceException.badRequest(field + " must be a decimal amount such as \"12.90\"");
    }
    if (amount.stripTrailingZeros().scale() > 2) {
      throw ServiceException.badRequest(field + " has more than two decimal places");
    }
    if (amount.signum() < 0 || amount.compareTo(BigDecimal.valueOf(MAX_CENTS, 2)) > 0) {
      throw ServiceException.badRequest(field + " must be between 0.00 and " + format(MAX_CENTS));
    }
    return amount.movePointRight(2).longValueExact();
  }

  /** {@code 1290} → {@code "12.90"}. */
  public static String format(long cents) {
    return BigDecimal.valueOf(cents, 2).toPlainString();
  }
}
