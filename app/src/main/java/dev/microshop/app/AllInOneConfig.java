package dev.microshop.app;

import dev.microshop.common.StartRefused;
import dev.microshop.common.config.ConfigCheck;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The all-in-one's own configuration (its {@code -conf}): one object per service, each shaped like
 * that service's {@code conf/<service>.json}, e.g. {@value #EXAMPLE}. A file shaped like one
 * service's ({@code {"http": ...}}) would otherwise be ignored without a word, so it is refused.
 */
final class AllInOneConfig {

  static final List<String> SERVICES = ConfigCheck.SERVICES;
  static final String EXAMPLE = "{\"web\": {\"http\": {\"port\": 8091}}}";

  private AllInOneConfig() {
  }

  /** Refuses ({@link StartRefused}) a config whose top-level keys are not services with an object each. */
  static JsonObject check(JsonObject conf) {
    for (String key : conf.fieldNames()) {
      if (!SERVICES.contains(key)) {
        throw refused("\"" + key + "\" is not a service");
      }
      if (!(conf.getValue(key) instanceof JsonObject)) {
        throw refused("\"" + key + "\" must hold an object");
      }
    }
    return conf;
  }

  /** The part of {@code conf} for one service (empty when it has none). */
  static JsonObject of(JsonObject conf, String service) {
    return conf.getJsonObject(service, new JsonObject());
  }

  private static StartRefused refused(String what) {
    return new StartRefused("-conf: " + what + "; the all-in-one's -conf holds one object per service ("
        + String.join(", ", SERVICES) + "), each shaped like conf/<service>.json, e.g. " + EXAMPLE);
  }
}
