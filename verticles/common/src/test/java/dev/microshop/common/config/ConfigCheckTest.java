package dev.microshop.common.config;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigCheckTest {

  @Test
  @DisplayName("a typo'd MICROSHOP_ variable is named, with the known variable it most likely meant")
  void typoedVariables() {
    assertThat(ConfigCheck.unknownEnv(Map.of(
        "MICROSHOP_WEB_HTTP_PROT", "8090",
        "MICROSHOP_HTTP_PORT", "8090",
        "MICROSHOP_NOTHING_LIKE_ANYTHING_AT_ALL", "1")))
        .containsExactly(
            "unknown environment variable MICROSHOP_HTTP_PORT (did you mean MICROSHOP_WEB_HTTP_PORT?); it is ignored",
            "unknown environment variable MICROSHOP_NOTHING_LIKE_ANYTHING_AT_ALL; it is ignored",
            "unknown environment variable MICROSHOP_WEB_HTTP_PROT (did you mean MICROSHOP_WEB_HTTP_PORT?); it is ignored");
  }

  @Test
  @DisplayName("every variable the shop or its scripts read is known: config keys per service and shared, and the direct ones")
  void knownVariables() {
    assertThat(ConfigCheck.unknownEnv(Map.of(
        "MICROSHOP_WEB_HTTP_PORT", "1",
        "MICROSHOP_SHARED_HTTP_PORT", "1",
        "MICROSHOP_SHARED_DB_EMBEDDED_DATA_DIR", "d",
        "MICROSHOP_ORDER_DB_EMBEDDED_SHARE", "true",
        "MICROSHOP_HISTORY_EVENTS_POLL_MS", "1",
        "MICROSHOP_CUSTOMER_ADMIN_EMAIL", "a@b.c",
        "MICROSHOP_ADMIN_PASSWORD", "x",
        "MICROSHOP_CLUSTER_TLS_TRUSTSTORE_PASSWORD", "x",
        "MICROSHOP_CLUSTER_DIR", "x",
        "PATH", "/bin"))).isEmpty();
    assertThat(ConfigCheck.unknownEnv(Map.of(
        "MICROSHOP_ROUTING", "instances",
        "MICROSHOP_LOG_FORMAT", "json",
        "MICROSHOP_WEB_CATALOG_READ_MODEL", "false"))).isEmpty();
    assertThat(ConfigCheck.unknownEnv(Map.of(
        "MICROSHOP_TRACING", "off", "MICROSHOP_TRACING_SAMPLE_RATIO", "0.1", "MICROSHOP_TRACING_BUFFER_SPANS", "5000"))).isEmpty();
  }

  @Test
  @DisplayName("a key no default names is reported with its nearest key; a key of another service names that service")
  void unknownKeys() {
    JsonObject web = new JsonObject()
        .put("htpp", new JsonObject().put("port", 8091))
        .put("http", new JsonObject().put("port", 8091))
        .put("auth", new JsonObject().put("production", false));
    assertThat(ConfigCheck.unknownKeys("web", web))
        .containsExactly("unknown configuration key \"htpp.port\" (did you mean \"http.port\"?); it is ignored");
    assertThat(ConfigCheck.unknownKeys("inventory", new JsonObject().put("http", new JsonObject().put("port", 8091))))
        .containsExactly("configuration key \"http.port\" is not one of inventory's (it is web's); it is ignored");
    assertThat(ConfigCheck.unknownKeys("order", new JsonObject()
        .put("db", new JsonObject().put("embedded-share", true).put("pool-size", 3))
        .put("saga", new JsonObject().put("lease-ms", 1)))).isEmpty();
  }

  @Test
  @DisplayName("each warning is logged once per JVM, however many services load the same configuration")
  void oncePerJvm() {
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    Logger logger = (Logger) LoggerFactory.getLogger(ConfigCheck.class);
    logger.addAppender(logged);
    try {
      JsonObject typo = new JsonObject().put("db", new JsonObject().put("pool-sise", 3));
      for (String service : ConfigCheck.SERVICES) {
        ConfigCheck.warnUnknownKeys(service, typo.copy());
        ConfigCheck.warnUnknownEnv(Map.of("MICROSHOP_WEB_HTTP_PROTT", "1"));
      }
      assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
          "unknown configuration key \"db.pool-sise\" (did you mean \"db.pool-size\"?); it is ignored",
          "unknown environment variable MICROSHOP_WEB_HTTP_PROTT (did you mean MICROSHOP_WEB_HTTP_PORT?); it is ignored");
    } finally {
      logger.detachAppender(logged);
    }
  }
}
