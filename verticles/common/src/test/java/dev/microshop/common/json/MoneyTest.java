package dev.microshop.common.json;

import dev.microshop.common.failure.FailureCode;
import dev.microshop.common.failure.ServiceException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MoneyTest {

  @Test
  @DisplayName("decimal strings and JSON numbers become exact cents")
  void parses() {
    assertThat(Money.parseCents("price", "12.90")).isEqualTo(1290);
    assertThat(Money.parseCents("price", "0.1")).isEqualTo(10);
    assertThat(Money.parseCents("price", 7)).isEqualTo(700);
    assertThat(Money.parseCents("price", new BigDecimal("999999.99"))).isEqualTo(99_999_999);
    // as parsed from JSON text: 0.29 and 19.99 are doubles that are not exact in binary
    JsonObject json = new JsonObject("{\"a\": 0.29, \"b\": 19.99, \"c\": 1000000.00}");
    assertThat(Money.parseCents("a", json.getValue("a"))).isEqualTo(29);
    assertThat(Money.parseCents("b", json.getValue("b"))).isEqualTo(1999);
    assertThat(Money.parseCents("c", json.getValue("c"))).isEqualTo(100_000_000);
  }

  @Test
  @DisplayName("sums of many small prices have no rounding drift")
  void noDrift() {
    long total = 0;
    double floating = 0;
    for (int i = 0; i < 1000; i++) {
      total += Money.parseCents("p", "0.10");
      floating += 0.10;
    }
    assertThat(Money.format(total)).isEqualTo("100.00");
    assertThat(floating).isNotEqualTo(100.0); // what floating point would have done
  }

  @Test
  @DisplayName("more than two decimals, negatives, too large amounts and non-numbers are a 400")
  void rejects() {
    for (Object bad : new Object[] {"0.105", "-1", "1000000.01", "abc", true, new JsonObject(), 0.001}) {
      assertThatThrownBy(() -> Money.parseCents("price", bad))
          .isInstanceOf(ServiceException.class)
          .satisfies(e -> assertThat(((ServiceException) e).code()).isEqualTo(FailureCode.BAD_REQUEST))
          .hasMessageContaining("price");
    }
  }

  @Test
  @DisplayName("cents format with exactly two decimals")
  void formats() {
    assertThat(Money.format(0)).isEqualTo("0.00");
    assertThat(Money.format(5)).isEqualTo("0.05");
    assertThat(Money.format(123456789)).isEqualTo("1234567.89");
  }
}
