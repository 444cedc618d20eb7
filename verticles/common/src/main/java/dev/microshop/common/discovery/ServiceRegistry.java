package dev.microshop.common.discovery;

import dev.microshop.common.failure.FailureCode;
import dev.microshop.common.failure.ServiceException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.servicediscovery.Record;
import io.vertx.servicediscovery.ServiceDiscovery;
import io.vertx.servicediscovery.ServiceDiscoveryOptions;
import io.vertx.servicediscovery.Status;
import io.vertx.servicediscovery.types.EventBusService;
import io.vertx.servicediscovery.types.HttpEndpoint;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The one class that knows vertx-service-discovery (sunset in Vert.x 5, so kept behind this
 * door). A service publishes itself here; a caller asks here for the address of a service.
 *
 * <p>Lookups are answered from a local cache that follows the discovery's announcements and
 * is refreshed on a timer, so a request never waits on the cluster-wide registry.
 */
public final class ServiceRegistry {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ServiceRegistry.class);
  public static final String ANNOUNCE = "microshop.discovery.announce";
  /** The longest a caller's view of the registry lags behind it: a refresh on this timer besides each announcement. */
  public static final long REFRESH_MS = 2_000;
  /** A record's metadata key: true when its instance serves each address of its service at its own too ({@link #instanceAddress}). */
  public static final String OWN_ADDRESS = "own-address";

  private final Vertx vertx;
  private final ServiceDiscovery discovery;
  /** The records this registry published and keeps published (until {@link #unpublishAll}). */
  private final List<Record> published = new CopyOnWriteArrayList<>();
  private volatile boolean withdrawn;
  private final Map<String, String> addresses = new ConcurrentHashMap<>();
  /** Per service, the instance ids of its UP records on live members (this JVM's own included). */
  private volatile Map<String, List<String>> upInstances = Map.of();
  /** Of each instance id in {@link #upInstances}: its JVM's {@code pid@host}, to name it in a log line. */
  private volatile Map<String, String> instanceJvms = Map.of();
  private long timer = -1;
  private MessageConsumer<JsonObject> announcements;
  /** A refresh for an announcement or the timer is running; another was asked for meanwhile. */
  private boolean refreshing;
  private boolean refreshAgain;
  private volatile Consumer<List<JsonObject>> sweepListener = peers -> { };

  public ServiceRegistry(Vertx vertx) {
    this.vertx = vertx;
    this.discovery = ServiceDiscovery.create(vertx, new ServiceDiscoveryOptions().setAnnounceAddress(ANNOUNCE));
  }

  /** Publishes a service reachable on the event bus at {@code address} (its commands are {@code address.<verb>}). */
  public Future<Record> publishEventBusService(String name, String address) {
    return publishEventBusService(name, address, new JsonObject());
  }

  /** As {@link #publishEventBusService(String, String)}, with {@code extra} in the record's metadata. */
  public Future<Record> publishEventBusService(String name, String address, JsonObject extra) {
    return publish(EventBusService.createRecord(name, address, "dev.microshop." + name, metadata(name).mergeIn(extra)));
  }

  /** Publishes an HTTP endpoint (the web verticle). */
  public Future<Record> publishHttpEndpoint(String name, String host, int port) {
    return publish(HttpEndpoint.createRecord(name, host, port, "/", metadata(name)));
  }

  private Future<Record> publish(Record record) {
    return discovery.publish(record).onSuccess(published::add);
  }

  /** Removes what this registry published. */
  public Future<Void> unpublishAll() {
    withdrawn = true;
    List<Future<Void>> all = published.stream().map(r -> discovery.unpublish(r.getRegistration())).toList();
    published.clear();
    return Future.join(all).mapEmpty();
  }

  /** Every record published in the cluster, out-of-service ones too (for the operator pages). */
  public Future<List<JsonObject>> records() {
    return discovery.getRecords(r -> true, true).map(list -> list.stream().map(Record::toJson).toList());
  }

  /**
   * The records of the other instances of service {@code name} now, whatever their status: those of
   * live cluster members only (a killed JVM's record may linger until a sweep withdraws it), never
   * this registry's own.
   */
  public Future<List<JsonObject>> instances(String name) {
    return discovery.getRecords(r -> name.equals(r.getName()), false).map(records -> {
      java.util.Set<String> members = members();
      return records.stream().filter(r -> !departed(r, members) && !own(r)).map(Record::toJson).toList();
    });
  }

  /**
   * Calls {@code listener} after every refresh (announcement or timer) with the records of the other
   * instances of every service on live members, as {@link #instances} has them.
   */
  public void onSweep(Consumer<List<JsonObject>> listener) {
    this.sweepListener = listener;
  }

  /**
   * Takes this registry's records out of service: they stay published, for the operators to see, with
   * status {@code OUT_OF_SERVICE} and {@code reason} in their metadata; lookups no longer return them.
   */
  public Future<Void> outOfService(JsonObject reason) {
    List<Future<Record>> all = published.stream().map(r -> {
      r.setStatus(Status.OUT_OF_SERVICE);
      r.getMetadata().put("out-of-service", reason);
      return discovery.update(r);
    }).toList();
    return Future.join(all).mapEmpty();
  }

  /** The records this registry published (and has not withdrawn). */
  public List<JsonObject> own() {
    return published.stream().map(Record::toJson).toList();
  }

  private boolean own(Record r) {
    return published.stream().anyMatch(p -> p.getRegistration().equals(r.getRegistration()));
  }

  /**
   * Keeps the cache of service addresses up to date from now on: on every announcement and on a
   * timer. Call once from the verticle that looks services up.
   */
  public Future<Void> follow() {
    announcements = vertx.eventBus().<JsonObject>consumer(ANNOUNCE, m -> refreshSoon());
    timer = vertx.setPeriodic(REFRESH_MS, id -> refreshSoon());
    return refresh();
  }

  /**
   * A refresh for an announcement or the timer: one at a time, and the announcements that come while
   * it runs make one more. In a split that heals, every member republishes and announces its records
   * while the others sweep them: a rolling-restart run logged one JVM republishing its record 20
   * times in a second, each announcement a full read of the registry in every JVM.
   */
  private synchronized void refreshSoon() {
    if (refreshing) {
      refreshAgain = true;
      return;
    }
    refreshing = true;
    refresh().onComplete(ar -> refreshed());
  }

  private synchronized void refreshed() {
    refreshing = false;
    if (refreshAgain) {
      refreshAgain = false;
      refreshSoon();
    }
  }

  /** This JVM's cluster node id, or {@code local} when not clustered. */
  public String nodeId() {
    ClusterManager cm = ((VertxInternal) vertx).clusterManager();
    return cm == null ? "local" : cm.getNodeId();
  }

  /**
   * Withdraws the records of JVMs that left the cluster (a kill -9 leaves them behind in the
   * cluster-wide registry): any record whose node is not a member now. Hazelcast drops a dead
   * member within its failure detection; this runs on every refresh, so the record goes at most
   * {@code REFRESH_MS} later.
   */
  private Future<Void> purgeDeparted(List<Record> records, java.util.Set<String> members) {
    if (members == null) {
      return Future.succeededFuture();
    }
    List<Future<Void>> gone = records.stream()
        .filter(r -> departed(r, members))
        .map(r -> discovery.unpublish(r.getRegistration()).recover(t -> Future.succeededFuture()))
        .toList();
    return Future.join(gone).mapEmpty();
  }

  /** The cluster's members now, or null when not clustered. */
  private java.util.Set<String> members() {
    ClusterManager cm = ((VertxInternal) vertx).clusterManager();
    return cm == null ? null : new java.util.HashSet<>(cm.getNodes());
  }

  private static boolean departed(Record r, java.util.Set<String> members) {
    String node = r.getMetadata() == null ? null : r.getMetadata().getString("node");
    return members != null && node != null && !members.contains(node);
  }

  /**
   * Publishes again this registry's records that are gone from the cluster-wide registry while this
   * JVM still runs: a member that was removed while alive (a stalled JVM, a split that healed) has
   * its records withdrawn by the others' sweeps, and a sweep with a member list that does not show
   * a just-joined node yet withdraws that node's record. Each record comes back on the next refresh.
   */
  private Future<Void> republishMissing(List<Record> records) {
    if (withdrawn) {
      return Future.succeededFuture();
    }
    java.util.Set<String> present = new java.util.HashSet<>();
    records.forEach(r -> present.add(r.getRegistration()));
    List<Future<Record>> again = published.stream()
        .filter(r -> !present.contains(r.getRegistration()))
        .map(r -> {
          r.getMetadata().put("node", nodeId());
          LOG.warn("the discovery record of {} ({}) was withdrawn while this JVM runs: publishing it again",
              r.getName(), r.getRegistration());
          return discovery.update(r).recover(t -> Future.succeededFuture(r));
        })
        .toList();
    return Future.join(again).mapEmpty();
  }

  private Future<Void> refresh() {
    // out-of-service records too: they are this registry's own to keep, and the peers' to compare with
    return discovery.getRecords(r -> true, true).compose(records -> {
      // the members are read after the records: a record that is there was published by a member
      java.util.Set<String> members = members();
      return purgeDeparted(records, members).compose(v -> republishMissing(records)).onSuccess(v -> {
        Map<String, String> fresh = new ConcurrentHashMap<>();
        Map<String, List<String>> instances = new HashMap<>();
        Map<String, String> jvms = new HashMap<>();
        for (Record r : records) {
          String endpoint = r.getLocation() == null ? null : r.getLocation().getString(Record.ENDPOINT);
          if (r.getType().equals(EventBusService.TYPE) && endpoint != null && !departed(r, members)
              && r.getStatus() == Status.UP) {
            fresh.put(r.getName(), endpoint);
            String instance = ownAddressInstance(r);
            if (instance != null) {
              instances.computeIfAbsent(r.getName(), n -> new ArrayList<>()).add(instance);
              String jvm = r.getMetadata().getString("jvm");
              if (jvm != null) {
                jvms.put(instance, jvm);
              }
            }
          }
        }
        addresses.keySet().retainAll(fresh.keySet());
        addresses.putAll(fresh);
        instances.values().forEach(java.util.Collections::sort);
        upInstances = Map.copyOf(instances);
        instanceJvms = Map.copyOf(jvms);
        sweepListener.accept(records.stream().filter(r -> !departed(r, members) && !own(r)).map(Record::toJson).toList());
      });
    });
  }

  /** Reads the registry now, withdrawing the records of departed nodes (see {@link #follow}). */
  public Future<Void> sweep() {
    return refresh();
  }

  /**
   * The instance ids of service {@code name}'s UP records on live members that serve at their own
   * addresses ({@link #OWN_ADDRESS}, {@link #instanceAddress}), as of
   * the last refresh (at most {@code REFRESH_MS} old), sorted; empty when none is known.
   */
  public List<String> upInstances(String name) {
    return upInstances.getOrDefault(name, List.of());
  }

  /**
   * Whether another instance of service {@code name} serves at its own addresses, as the cluster-wide registry has it
   * now (read now, not {@link #upInstances}, which may be a refresh old): an instance that came back a moment ago
   * counts. What a graceful stop asks before it keeps serving for the callers' refresh.
   */
  public Future<Boolean> otherInstanceUpNow(String name) {
    // without the out-of-service ones: the discovery keeps only records whose status is UP
    return discovery.getRecords(r -> name.equals(r.getName()), false).map(records -> {
      java.util.Set<String> members = members();
      return records.stream().anyMatch(r -> !departed(r, members) && !own(r) && ownAddressInstance(r) != null);
    });
  }

  /** The instance id of a record that serves at its own addresses ({@link #OWN_ADDRESS}), or null. */
  private static String ownAddressInstance(Record r) {
    JsonObject metadata = r.getMetadata();
    return metadata != null && metadata.getBoolean(OWN_ADDRESS, false) ? metadata.getString("instance") : null;
  }

  /** The JVM ({@code pid@host}) of instance {@code instance} of {@link #upInstances}, or null when it is not known. */
  public String jvmOf(String instance) {
    return instanceJvms.get(instance);
  }

  /**
   * One instance's own address for {@code address}, one of its service's: {@code <address>@<instance id>}
   * (a trace's span names the address before the {@code @}, see {@code RecentSpans}).
   */
  public static String instanceAddress(String address, String instance) {
    return address + "@" + instance;
  }

  /** The event-bus address of a published service; fails with 503 when none is published. */
  public Future<String> address(String name) {
    String address = addresses.get(name);
    if (address != null) {
      return Future.succeededFuture(address);
    }
    return refresh().compose(v -> {
      String now = addresses.get(name);
      return now != null ? Future.succeededFuture(now)
          : Future.failedFuture(new ServiceException(FailureCode.UNAVAILABLE, "the " + name + " service is not available"));
    });
  }

  public void close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    if (announcements != null) {
      announcements.unregister();
    }
    discovery.close();
  }

  private JsonObject metadata(String name) {
    return new JsonObject()
        .put("service", name)
        .put("node", nodeId())
        .put("instance", UUID.randomUUID().toString())
        .put("since", System.currentTimeMillis())
        .put("pid", ProcessHandle.current().pid())
        .put("jvm", ManagementFactory.getRuntimeMXBean().getName());
  }
}
