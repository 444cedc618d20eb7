package dev.microshop.common.service;

import dev.microshop.common.db.DatabaseIdentity;
import dev.microshop.common.discovery.ServiceRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * One service, one database, whatever the number of its instances: an instance whose database
 * differs from a live peer's would split the service's data (two catalogs, two stock counts).
 * Each instance publishes its {@link DatabaseIdentity} in its discovery record ({@code database}).
 *
 * <ul>
 *   <li>At start ({@link #check}), before it serves anything: a live instance of the service on
 *       another database fails the start, with one log line naming both nodes and both identities.</li>
 *   <li>Later ({@link #sweep}, at every registry refresh): such a peer shows up when two instances
 *       started together, or when the halves of a healed partition meet. Each instance that sees it
 *       logs it once and reports DOWN on its health (check {@code split-data}, naming the conflict)
 *       while the peer lives. The oldest live instance (earliest {@code since} in its record, ties
 *       broken by instance id) keeps the service's database: every instance whose database differs
 *       from the oldest one's leaves rotation (its record goes out of service, its consumers stop)
 *       until it is restarted. All instances read the same records, so they agree on who leaves.</li>
 * </ul>
 * A record without an identity (an instance of a release before this guard) is not compared.
 */
final class SplitDataGuard {

  private static final Logger LOG = LoggerFactory.getLogger(SplitDataGuard.class);
  /** The metadata key of a record's database identity. */
  static final String KEY = "database";
  private static final String JVM = java.lang.management.ManagementFactory.getRuntimeMXBean().getName();

  private final String service;
  private final DatabaseIdentity identity;
  private final ServiceRegistry registry;
  private final Consumer<JsonObject> leave;
  private final Set<String> reported = ConcurrentHashMap.newKeySet();
  private volatile String conflict;
  private volatile boolean left;

  SplitDataGuard(String service, DatabaseIdentity identity, ServiceRegistry registry, Consumer<JsonObject> leave) {
    this.service = service;
    this.identity = identity;
    this.registry = registry;
    this.leave = leave;
  }

  /** What this instance adds to its discovery record. */
  JsonObject metadata() {
    return new JsonObject().put(KEY, identity.toString());
  }

  /** Fails when a live instance of the service uses another database. */
  Future<Void> check() {
    return registry.instances(service).compose(peers -> {
      JsonObject other = peers.stream().filter(this::differs).findFirst().orElse(null);
      if (other == null) {
        return Future.succeededFuture();
      }
      String message = "refusing to serve " + service + ": " + describe(other);
      LOG.error(message);
      return Future.failedFuture(new Refused(message));
    });
  }

  /** Compares with the records of a registry refresh (those of live members, not this instance's). */
  void sweep(List<JsonObject> records) {
    List<JsonObject> peers = records.stream().filter(r -> service.equals(r.getString("name"))).toList();
    List<JsonObject> others = peers.stream().filter(this::differs).toList();
    reported.retainAll(others.stream().map(r -> r.getString("registration")).toList());
    if (others.isEmpty()) {
      if (conflict != null) {
        LOG.info("{}: no live instance uses another database any more", service);
      }
      conflict = null;
      return;
    }
    conflict = "split data: " + describe(others.get(0));
    others.stream().filter(r -> reported.add(r.getString("registration")))
        .forEach(r -> LOG.error("split data in {}: {}", service, describe(r)));
    if (!left && !identity.toString().equals(database(oldest(peers)))) {
      left = true;
      JsonObject oldest = oldest(peers);
      LOG.error("{} leaves rotation: the oldest live instance of {} (node {}, jvm {}) uses database {}, this one {}",
          service, service, node(oldest), meta(oldest).getString("jvm"), database(oldest), identity);
      leave.accept(new JsonObject().put("reason", conflict));
    }
  }

  /** The {@code split-data} health check: DOWN, naming the conflict, while a live peer uses another database. */
  Status status() {
    String now = conflict;
    return now == null ? Status.OK()
        : Status.KO(new JsonObject().put("conflict", now).put("inRotation", !left));
  }

  /**
   * The start's failure: its message is the whole story (logged once above), so it carries no stack
   * trace for the launcher to print after its own "failed deploying" line.
   */
  static final class Refused extends RuntimeException {
    Refused(String message) {
      super(message, null, false, false);
    }
  }

  private JsonObject oldest(List<JsonObject> peers) {
    Comparator<JsonObject> age = Comparator.<JsonObject>comparingLong(r -> meta(r).getLong("since", Long.MAX_VALUE))
        .thenComparing(r -> meta(r).getString("instance", ""));
    return Stream.concat(peers.stream(), registry.own().stream()).filter(r -> database(r) != null)
        .min(age).orElseThrow();
  }

  private boolean differs(JsonObject peer) {
    String theirs = database(peer);
    return theirs != null && !theirs.equals(identity.toString());
  }

  private String describe(JsonObject peer) {
    // a node id alone does not tell the operator which machine: the JVM's pid@host beside it
    return "this instance (node " + registry.nodeId() + ", jvm " + JVM + ") uses database " + identity
        + " but the live instance on node " + node(peer) + " (jvm " + meta(peer).getString("jvm") + ") uses database "
        + database(peer)
        + " (system_identifier/name): every instance of " + service + " must use one database";
  }

  private static JsonObject meta(JsonObject record) {
    return record.getJsonObject("metadata", new JsonObject());
  }

  private static String database(JsonObject record) {
    return meta(record).getString(KEY);
  }

  private static String node(JsonObject record) {
    return meta(record).getString("node");
  }
}
