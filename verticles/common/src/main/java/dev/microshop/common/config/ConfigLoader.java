package dev.microshop.common.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.Locale;
import java.util.Map;

/**
 * Reads the configuration of one service, lowest precedence first:
 * <ol>
 *   <li>{@code conf/shared.json} (defaults of every service);</li>
 *   <li>{@code conf/<service>.json};</li>
 *   <li>environment variables {@code MICROSHOP_SHARED_<KEY>} (every service), then
 *       {@code MICROSHOP_<SERVICE>_<KEY>} (one service), for every key that the two files
 *       name (the JSON path upper-cased, dots and dashes turned into underscores,
 *       {@code db.embedded.data-dir} of inventory → {@code MICROSHOP_INVENTORY_DB_EMBEDDED_DATA_DIR});</li>
 *   <li>the deployment's own config (from {@code -conf} or a test).</li>
 * </ol>
 * The files are read from the directory {@code MICROSHOP_CONF_DIR} (default {@code conf}), or,
 * when absent there, from the copy on the classpath that every jar carries. A key that the jar's
 * defaults do not name is warned about once ({@link ConfigCheck}).
 */
public final class ConfigLoader {

  public static final String CONF_DIR_ENV = "MICROSHOP_CONF_DIR";
  /** {@code MICROSHOP_SHARED_<KEY>} sets a key for every service; {@code MICROSHOP_<SERVICE>_<KEY>} wins over it. */
  public static final String SHARED_PREFIX = "MICROSHOP_SHARED_";

  private ConfigLoader() {
  }

  public static Future<JsonObject> load(Vertx vertx, String service, JsonObject deploymentConfig) {
    return load(vertx, service, deploymentConfig, System.getenv());
  }

  static Future<JsonObject> load(Vertx vertx, String service, JsonObject deploymentConfig, Map<String, String> env) {
    String dir = env.getOrDefault(CONF_DIR_ENV, "conf");
    ConfigRetriever retriever = ConfigRetriever.create(vertx, new ConfigRetrieverOptions()
        .setIncludeDefaultStores(false)
        .addStore(file(dir + "/shared.json"))
        .addStore(file(dir + "/" + service + ".json")));
    return retriever.getConfig()
        .map(files -> {
          JsonObject merged = files.copy();
          applyEnv(merged, SHARED_PREFIX, env);
          applyEnv(merged, envPrefix(service), env);
          merged.mergeIn(deploymentConfig == null ? new JsonObject() : deploymentConfig, true);
          ConfigCheck.warnUnknownKeys(service, merged);
          return merged;
        })
        .eventually(() -> {
          retriever.close();
          return Future.succeededFuture();
        });
  }

  /** {@code MICROSHOP_<SERVICE>_}: the prefix of every environment variable of that service. */
  public static String envPrefix(String service) {
    return "MICROSHOP_" + normalise(service) + "_";
  }

  /** The environment variable that overrides a key, e.g. {@code envName("web", "http.port")}. */
  public static String envName(String service, String dottedKey) {
    return envPrefix(service) + normalise(dottedKey);
  }

  private static String normalise(String s) {
    return s.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  private static ConfigStoreOptions file(String path) {
    return new ConfigStoreOptions().setType("file").setFormat("json").setOptional(true)
        .setConfig(new JsonObject().put("path", path));
  }

  /** Overrides, in place, every leaf of {@code json} whose environment variable is set. */
  static void applyEnv(JsonObject json, String prefix, Map<String, String> env) {
    for (String key : json.fieldNames()) {
      Object value = json.getValue(key);
      String name = prefix + normalise(key);
      if (value instanceof JsonObject nested) {
        applyEnv(nested, name + "_", env);
      } else if (env.containsKey(name)) {
        json.put(key, coerce(name, env.get(name), value));
      }
    }
  }

  private static Object coerce(String name, String raw, Object current) {
    try {
      if (current instanceof Integer) {
        return Integer.parseInt(raw.trim());
      } else if (current instanceof Long) {
        return Long.parseLong(raw.trim());
      } else if (current instanceof Number) {
        return Double.parseDouble(raw.trim());
      } else if (current instanceof io.vertx.core.json.JsonArray) {
        // a list: comma-separated values
        return new io.vertx.core.json.JsonArray(java.util.Arrays.stream(raw.split(","))
            .map(String::trim).filter(v -> !v.isEmpty()).map(v -> (Object) v).toList());
      } else if (current instanceof Boolean) {
        String v = raw.trim().toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
          throw new IllegalArgumentException("expected true or false");
        }
        return Boolean.parseBoolean(v);
      }
      return raw;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("environment variable " + name + "=" + raw + ": " + e.getMessage(), e);
    }
  }
}
