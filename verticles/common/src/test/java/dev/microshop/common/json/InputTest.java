package dev.microshop.common.json;

import dev.microshop.common.failure.FailureCode;
import dev.microshop.common.failure.ServiceException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The readings of a UUID field (400 when it is not one, or the caller's own failure, e.g. 404) and of a true/false one. */
class InputTest {

  @Test
  @DisplayName("a UUID field is read; missing, empty, too long or not a UUID is a 400 naming the field")
  void uuidField() {
    UUID id = UUID.randomUUID();
    assertThat(Input.of(new JsonObject().put("customerId", id.toString())).uuid("customerId")).isEqualTo(id);
    for (Object bad : new Object[] {null, "", "not-a-uuid", "x".repeat(65), 42}) {
      assertThatThrownBy(() -> Input.of(new JsonObject().put("customerId", bad)).uuid("customerId"))
          .as("customerId %s", bad)
          .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(FailureCode.BAD_REQUEST))
          .hasMessageContaining("customerId");
    }
  }

  @Test
  @DisplayName("a true/false field is read, its default when absent; anything else is a 400 naming the field")
  void boolField() {
    assertThat(Input.of(new JsonObject().put("recent", true)).bool("recent", false)).isTrue();
    assertThat(Input.of(new JsonObject().put("recent", false)).bool("recent", true)).isFalse();
    assertThat(Input.of(new JsonObject()).bool("recent", true)).isTrue();
    for (Object bad : new Object[] {"true", 1, "yes"}) {
      assertThatThrownBy(() -> Input.of(new JsonObject().put("recent", bad)).bool("recent", false))
          .as("recent %s", bad)
          .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(FailureCode.BAD_REQUEST))
          .hasMessageContaining("recent");
    }
  }

  @Test
  @DisplayName("an id that is not a UUID fails as the caller says (an order id in a path: 404)")
  void uuidOrTheCallersFailure() {
    assertThatThrownBy(() -> Input.uuidOr("nope", () -> ServiceException.notFound("no order nope")))
        .isInstanceOfSatisfying(ServiceException.class, e -> assertThat(e.code()).isEqualTo(FailureCode.NOT_FOUND));
    UUID id = UUID.randomUUID();
    assertThat(Input.uuidOr(id.toString(), () -> ServiceException.notFound("x"))).isEqualTo(id);
  }
}
