package dev.microshop.common.config;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(VertxExtension.class)
class ConfigLoaderTest {

  @Test
  @DisplayName("the env name of a key is the service and the JSON path upper-cased, dots and dashes as underscores")
  void envNames() {
    assertThat(ConfigLoader.envName("web", "http.port")).isEqualTo("MICROSHOP_WEB_HTTP_PORT");
    assertThat(ConfigLoader.envName("inventory", "db.embedded-data-dir"))
        .isEqualTo("MICROSHOP_INVENTORY_DB_EMBEDDED_DATA_DIR");
  }

  @Test
  @DisplayName("environment variables override keys with the type of their default")
  void envOverridesTyped() {
    JsonObject conf = new JsonObject()
        .put("http", new JsonObject().put("port", 8080).put("host", "0.0.0.0"))
        .put("db", new JsonObject().put("embedded", true).put("pool-size", 5))
        .put("services", new JsonArray().add("inventory"))
        .put("untouched", "x");
    ConfigLoader.applyEnv(conf, "MICROSHOP_WEB_", Map.of(
        "MICROSHOP_WEB_HTTP_PORT", "9090",
        "MICROSHOP_WEB_DB_EMBEDDED", "false",
        "MICROSHOP_WEB_DB_POOL_SIZE", " 12 ",
        "MICROSHOP_WEB_SERVICES", "inventory, customer",
        "MICROSHOP_INVENTORY_HTTP_PORT", "1"));
    assertThat(conf.getJsonObject("http").getInteger("port")).isEqualTo(9090);
    assertThat(conf.getJsonObject("http").getString("host")).isEqualTo("0.0.0.0");
    assertThat(conf.getJsonObject("db").getBoolean("embedded")).isFalse();
    assertThat(conf.getJsonObject("db").getInteger("pool-size")).isEqualTo(12);
    assertThat(conf.getJsonArray("services")).containsExactly("inventory", "customer");
    assertThat(conf.getString("untouched")).isEqualTo("x");
  }

  @Test
  @DisplayName("a malformed number in the environment fails start-up naming the variable")
  void badEnvValue() {
    JsonObject conf = new JsonObject().put("http", new JsonObject().put("port", 8080));
    assertThatThrownBy(() -> ConfigLoader.applyEnv(conf, "MICROSHOP_WEB_", Map.of("MICROSHOP_WEB_HTTP_PORT", "80a")))
        .hasMessageContaining("MICROSHOP_WEB_HTTP_PORT");
  }

  @Test
  @DisplayName("shared defaults, the service file, the environment and the deployment config stack in that order")
  void layering(Vertx vertx, VertxTestContext ctx) {
    // conf/ of the repository is on the test classpath through common's resources
    ConfigLoader.load(vertx, "web", new JsonObject().put("request-timeout-ms", 42),
            Map.of("MICROSHOP_WEB_HTTP_PORT", "9999", "MICROSHOP_SHARED_DB_POOL_SIZE", "7",
                "MICROSHOP_SHARED_DB_PORT", "6000", "MICROSHOP_WEB_DB_PORT", "6001"))
        .onComplete(ctx.succeeding(conf -> ctx.verify(() -> {
          assertThat(conf.getJsonObject("db").getString("embedded-data-dir")).isEqualTo("data/pg"); // shared.json
          assertThat(conf.getJsonObject("db").getInteger("pool-size")).isEqualTo(7);                  // shared env
          assertThat(conf.getJsonObject("db").getInteger("port")).isEqualTo(6001);                    // service env wins
          assertThat(conf.getJsonObject("http").getInteger("port")).isEqualTo(9999);                 // env over web.json
          assertThat(conf.getLong("request-timeout-ms")).isEqualTo(42L);                             // deployment wins
          ctx.completeNow();
        })));
  }
}
