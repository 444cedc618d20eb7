package dev.microshop.common.config;

import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Unknown {@code MICROSHOP_*} environment variables and unknown configuration keys: both would be
 * ignored without a word ({@code MICROSHOP_WEB_HTTP_PROT=8090} gives a shop on 8080), so each gets
 * one warning line per JVM at start, with the nearest known name when one is close.
 *
 * <p>The known keys are those of the defaults every jar carries ({@code conf/shared.json} and
 * {@code conf/<service>.json}); the known variables are their environment names
 * ({@link ConfigLoader}) and {@link #DIRECT the ones read directly}.
 */
public final class ConfigCheck {

  private static final Logger LOG = LoggerFactory.getLogger(ConfigCheck.class);

  /** Every service of the shop: the all-in-one runs them all, each has its configuration. */
  public static final List<String> SERVICES = List.of("inventory", "customer", "order", "shipping", "history", "web");

  /** Variables read directly, not through a configuration key: by the launcher, a service, or the scripts. */
  static final Set<String> DIRECT = Set.of(
      ConfigLoader.CONF_DIR_ENV,
      "MICROSHOP_ADMIN_EMAIL", "MICROSHOP_ADMIN_PASSWORD",
      "MICROSHOP_METRICS_PORT", "MICROSHOP_METRICS_HOST",
      "MICROSHOP_CLUSTER_NAME", "MICROSHOP_CLUSTER_MEMBERS", "MICROSHOP_CLUSTER_INTERFACE", "MICROSHOP_CLUSTER_PORT", "MICROSHOP_CLUSTER_PORT_COUNT",
      "MICROSHOP_CLUSTER_TLS_KEYSTORE", "MICROSHOP_CLUSTER_TLS_KEYSTORE_PASSWORD",
      "MICROSHOP_CLUSTER_TLS_TRUSTSTORE", "MICROSHOP_CLUSTER_TLS_TRUSTSTORE_PASSWORD",
      "MICROSHOP_ROUTING", // dev.microshop.common.discovery.Routing
      "MICROSHOP_TRACING", "MICROSHOP_TRACING_SAMPLE_RATIO", "MICROSHOP_TRACING_BUFFER_SPANS", // dev.microshop.common.tracing.Tracing
      // scripts/cluster.sh and chaos.sh (exported to the JVMs they start)
      "MICROSHOP_CLUSTER_DIR", "MICROSHOP_DB_PORT_BASE", "MICROSHOP_METRICS_PORT_BASE", "MICROSHOP_START_TIMEOUT",
      "MICROSHOP_NODE_DIR", "MICROSHOP_NODE_SECRETS", "MICROSHOP_LOG_FORMAT");

  private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();
  private static final Map<String, Set<String>> KNOWN_KEYS = new ConcurrentHashMap<>();

  private ConfigCheck() {
  }

  /** Logs, once per JVM, a line for every unknown {@code MICROSHOP_*} variable of {@code env}. */
  public static void warnUnknownEnv(Map<String, String> env) {
    unknownEnv(env).forEach(ConfigCheck::warnOnce);
  }

  /** Logs, once per JVM, a line for every key of a service's configuration that no default names. */
  public static void warnUnknownKeys(String service, JsonObject conf) {
    unknownKeys(service, conf).forEach(ConfigCheck::warnOnce);
  }

  private static void warnOnce(String line) {
    if (WARNED.add(line)) {
      LOG.warn(line);
    }
  }

  static List<String> unknownEnv(Map<String, String> env) {
    Set<String> known = knownEnv();
    List<String> lines = new ArrayList<>();
    for (String name : new TreeSet<>(env.keySet())) {
      if (name.startsWith("MICROSHOP_") && !known.contains(name)) {
        lines.add("unknown environment variable " + name + suggestion(nearest(name, known)) + "; it is ignored");
      }
    }
    return lines;
  }

  static List<String> unknownKeys(String service, JsonObject conf) {
    Set<String> own = knownKeys(service);
    List<String> lines = new ArrayList<>();
    for (String key : leaves(conf, "", new TreeSet<>())) {
      if (own.contains(key)) {
        continue;
      }
      String other = SERVICES.stream().filter(s -> knownKeys(s).contains(key)).findFirst().orElse(null);
      if (other != null) {
        lines.add("configuration key \"" + key + "\" is not one of " + service + "'s (it is " + other + "'s); it is ignored");
      } else {
        // named without the service: a typo in conf/shared.json is one line, not one per service
        Set<String> all = new TreeSet<>();
        SERVICES.forEach(s -> all.addAll(knownKeys(s)));
        lines.add("unknown configuration key \"" + key + "\"" + suggestion(quoted(nearest(key, all))) + "; it is ignored");
      }
    }
    return lines;
  }

  /** Every known {@code MICROSHOP_*} variable. */
  static Set<String> knownEnv() {
    Set<String> known = new TreeSet<>(DIRECT);
    for (String service : SERVICES) {
      for (String key : knownKeys(service)) {
        known.add(ConfigLoader.envName(service, key));
        known.add(ConfigLoader.envName("shared", key)); // MICROSHOP_SHARED_<KEY> reaches every service's keys
      }
    }
    return known;
  }

  /** The dotted leaf keys of a service's defaults: the jar's conf/shared.json and conf/{@code service}.json. */
  static Set<String> knownKeys(String service) {
    return KNOWN_KEYS.computeIfAbsent(service, s -> {
      Set<String> keys = leaves(defaults("shared"), "", new TreeSet<>());
      return Set.copyOf(leaves(defaults(s), "", keys));
    });
  }

  private static JsonObject defaults(String name) {
    try (InputStream in = ConfigCheck.class.getClassLoader().getResourceAsStream("conf/" + name + ".json")) {
      return in == null ? new JsonObject() : new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Set<String> leaves(JsonObject json, String prefix, Set<String> into) {
    for (String key : json.fieldNames()) {
      if (json.getValue(key) instanceof JsonObject nested) {
        leaves(nested, prefix + key + ".", into);
      } else {
        into.add(prefix + key);
      }
    }
    return into;
  }

  /**
   * The known name closest to {@code name} (edits, a swap of two neighbours counting as one), when
   * at most a quarter of it differs; else null. Ties go to the name that is not a {@code SHARED} one.
   */
  static String nearest(String name, Collection<String> known) {
    String best = null;
    int bestDistance = Math.max(2, name.length() / 4) + 1;
    for (String candidate : new TreeSet<>(known)) {
      int d = distance(name, candidate);
      if (d < bestDistance || (d == bestDistance && best != null && best.contains("_SHARED_") && !candidate.contains("_SHARED_"))) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best;
  }

  /** Optimal string alignment distance: insertions, deletions, substitutions, and swaps of neighbours. */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  private static String suggestion(String nearest) {
    return nearest == null ? "" : " (did you mean " + nearest + "?)";
  }

  private static String quoted(String key) {
    return key == null ? null : "\"" + key + "\"";
  }
}
