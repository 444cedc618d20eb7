package dev.microshop.common.service;

import dev.microshop.common.MicroshopVertx;
import dev.microshop.common.audit.Audit;
import dev.microshop.common.config.ConfigLoader;
import dev.microshop.common.db.Database;
import dev.microshop.common.db.DatabaseIdentity;
import dev.microshop.common.db.DbConfig;
import dev.microshop.common.db.Transactions;
import dev.microshop.common.discovery.Routing;
import dev.microshop.common.discovery.ServiceClient;
import dev.microshop.common.discovery.ServiceRegistry;
import dev.microshop.common.eventlog.EventConsumer;
import dev.microshop.common.eventlog.EventLog;
import dev.microshop.common.eventlog.EventLogAddresses;
import dev.microshop.common.failure.Replies;
import dev.microshop.common.json.Input;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.ext.healthchecks.Status;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The start and stop of a service that owns a database: configuration, database (with its
 * migrations), its event log served on the bus, the service's own consumers, its health on
 * {@code <service>.health}, and its record in service discovery — published last, once it can
 * take work, and withdrawn first. Before it serves anything, it makes sure that no live instance of
 * the service uses another database ({@link SplitDataGuard}).
 */
public abstract class ServiceVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ServiceVerticle.class);

  protected JsonObject conf;
  protected Pool pool;
  private ServiceRegistry registry;
  private SplitDataGuard guard;
  private final List<EventConsumer> consumers = new CopyOnWriteArrayList<>();
  private final List<MessageConsumer<JsonObject>> handlers = new CopyOnWriteArrayList<>();
  private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
  private static final long SHUTDOWN_GRACE_MS = 10_000;
  /** The readers' wake-up is no part of any order's trace: the events it announces carry their own traceparent. */
  private static final DeliveryOptions WAKE_UP = new DeliveryOptions().setTracingPolicy(TracingPolicy.IGNORE);
  /** This instance's id: in its discovery record, and in its own address (see {@link #serve}). */
  private final String instance = java.util.UUID.randomUUID().toString();
  /** {@link Routing#perInstance}, read once at start: whether this instance serves its own addresses too. */
  private boolean perInstance;

  /** The service's name: its config file, database, discovery record and address prefix. */
  protected abstract String service();

  /** Registers the service's consumers on {@link #pool}; completes when they are registered. */
  protected abstract Future<?> startService();

  @Override
  public Future<?> start() {
    registry = new ServiceRegistry(vertx);
    perInstance = Routing.perInstance(vertx);
    return ConfigLoader.load(vertx, service(), config())
        .compose(c -> {
          conf = c;
          return Database.open(vertx, service(), DbConfig.from(service(), c));
        })
        .compose(p -> {
          pool = p;
          return DatabaseIdentity.of(p, DbConfig.from(service(), conf).user());
        })
        .compose(identity -> {
          guard = new SplitDataGuard(service(), identity, registry, this::leaveRotation);
          return registry.follow();
        })
        .compose(v -> guard.check())
        .compose(v -> all(
            serve(EventLogAddresses.read(service()), this::readEvents),
            serve(EventLogAddresses.head(service()), this::eventsHead),
            serve(EventLogAddresses.lag(service()), this::lag),
            serve(Audit.address(service()), this::audit)))
        .compose(v -> startService())
        .compose(v -> healthConsumer().completion())
        .compose(v -> registry.publishEventBusService(service(), service(), guard.metadata().put("instance", instance)
            .put(ServiceRegistry.OWN_ADDRESS, perInstance)))
        .onSuccess(r -> {
          registry.onSweep(guard::sweep); // from now on; a peer that came during the start shows at the next sweep
          LOG.info("{} service started", service());
        })
        .recover(t -> closeAfterFailedStart().transform(ar -> Future.failedFuture(t)));
  }

  /** A start that failed leaves nothing behind: no discovery follower, no pool. */
  private Future<Void> closeAfterFailedStart() {
    registry.close();
    return pool == null ? Future.succeededFuture() : pool.close();
  }

  /**
   * Split data seen after the start, and this instance is not on the service's database (see
   * {@link SplitDataGuard}): its record goes out of service and it stops taking work, but it stays up
   * and answers its health (DOWN, naming the conflict) until an operator restarts it.
   */
  private void leaveRotation(JsonObject reason) {
    registry.outOfService(reason)
        .compose(v -> Future.join(handlers.stream().map(MessageConsumer::unregister).toList()))
        .compose(v -> Future.join(consumers.stream().map(EventConsumer::stop).toList()))
        .onFailure(t -> LOG.warn("{}: leaving rotation failed: {}", service(), t.toString()));
  }

  /**
   * Beyond a caller's refresh period, before a withdrawn instance stops taking work: that refresh's
   * own time (a read of the cluster's registry, slower under load) and a request sent just before it.
   * Without it, a CI-like run's rolling restart saw the web send order.place to an instance about 2 s after
   * that instance withdrew, as it stopped taking work: no answer, a 504 after 3 s.
   */
  static final long WITHDRAW_SLACK_MS = 1_000;

  /**
   * A graceful stop (SIGTERM, undeploy): withdraw the discovery record first; when other instances
   * of the service are up and callers route to instances ({@link Routing}), keep serving until every
   * caller has read the registry since ({@link ServiceRegistry#REFRESH_MS}, and {@link #WITHDRAW_SLACK_MS}
   * for a refresh's own time and a request already on its way), so that none sends here
   * any more; then stop taking work (unregister the service's consumers and event readers), let what
   * is in flight finish (at most {@code SHUTDOWN_GRACE_MS}), then close the database pool.
   */
  @Override
  public Future<?> stop() {
    // other instances up: asked of the cluster's registry now, not of this JVM's view of its last refresh. A rolling
    // restart stops an instance right after the one before it came back, maybe before that view shows it: in a CI-like
    // run (6 Dec 2026) order #2 took its view's "no other instance", stopped taking work at once, and the web, whose
    // view did not show order #1 yet either, sent it an order.place: no answer, a 504 after 3 s. A failed read: wait.
    Future<Boolean> others = perInstance
        ? registry.otherInstanceUpNow(service()).otherwise(true)
        : Future.succeededFuture(false);
    return others.compose(othersUp -> registry.unpublishAll()
            .compose(v -> othersUp ? MicroshopVertx.delay(vertx, ServiceRegistry.REFRESH_MS + WITHDRAW_SLACK_MS)
                : Future.succeededFuture()))
        .compose(v -> Future.join(handlers.stream().map(MessageConsumer::unregister).toList()))
        .compose(v -> Future.join(consumers.stream().map(EventConsumer::stop).toList()))
        .compose(v -> drained(System.currentTimeMillis() + SHUTDOWN_GRACE_MS))
        .eventually(() -> {
          registry.close();
          return pool == null ? Future.succeededFuture() : pool.close();
        })
        .onComplete(ar -> LOG.info("{} service stopped", service()));
  }

  private Future<Void> drained(long deadline) {
    if (inFlight.get() == 0 || System.currentTimeMillis() > deadline) {
      return Future.succeededFuture();
    }
    return MicroshopVertx.delay(vertx, 20).compose(v -> drained(deadline));
  }

  /** Service discovery: where this service publishes itself and finds the others. */
  protected ServiceRegistry registry() {
    return registry;
  }

  /**
   * Registers {@code action} on {@code address}, the service's shared address, and with per-instance
   * routing ({@link Routing}) on this instance's own address for it too ({@link
   * ServiceRegistry#instanceAddress}, where a {@link ServiceClient} that keeps track of each
   * instance's health sends). It replies or fails on every path (see {@link Replies}).
   */
  protected Future<Void> serve(String address, Function<JsonObject, Future<JsonObject>> action) {
    Handler<Message<JsonObject>> handler = Replies.handler(body -> {
      inFlight.incrementAndGet();
      try {
        return action.apply(body).onComplete(ar -> inFlight.decrementAndGet());
      } catch (RuntimeException e) {
        inFlight.decrementAndGet();
        throw e;
      }
    });
    MessageConsumer<JsonObject> shared = vertx.eventBus().consumer(address, handler);
    handlers.add(shared);
    if (!perInstance) {
      return shared.completion();
    }
    MessageConsumer<JsonObject> own = vertx.eventBus().consumer(ServiceRegistry.instanceAddress(address, instance), handler);
    handlers.add(own);
    return Future.all(shared.completion(), own.completion()).mapEmpty();
  }

  /** Completes when every registration has. */
  @SafeVarargs
  protected static Future<?> all(Future<Void>... registrations) {
    return Future.all(List.of(registrations));
  }

  /**
   * Runs {@code work} in one transaction; once it committed, the service's event log readers are
   * woken (the events it wrote are theirs to read).
   */
  protected <T> Future<T> transaction(Function<SqlConnection, Future<T>> work) {
    return Transactions.run(pool, work).onSuccess(v -> eventsWritten());
  }

  /** Wakes the readers of this service's event log (best effort: their timers catch up anyway). */
  protected void eventsWritten() {
    vertx.eventBus().publish(EventLogAddresses.notify(service()), null, WAKE_UP);
  }

  /** Reads {@code producer}'s event log into this service, applying each event with {@code applier}. */
  protected Future<EventConsumer> consume(String producer, EventConsumer.Applier applier) {
    return consume(producer, type -> true, applier);
  }

  /**
   * Reads {@code producer}'s event log into this service, applying with {@code applier} the events whose type
   * {@code acts} accepts; the others are passed over (no statement, no span).
   */
  protected Future<EventConsumer> consume(String producer, Predicate<String> acts, EventConsumer.Applier applier) {
    return started(new EventConsumer(vertx, pool, service(), producer, producerClient(producer), acts, applier,
        EventConsumer.Settings.from(conf), this::eventsWritten));
  }

  /**
   * Reads {@code producer}'s event log into this service, applying the events of each batch whose type
   * {@code acts} accepts with one call of {@code applier} (a few statements per batch, not per event).
   */
  protected Future<EventConsumer> consumeBatches(String producer, Predicate<String> acts, EventConsumer.BatchApplier applier) {
    return started(new EventConsumer(vertx, pool, service(), producer, producerClient(producer), acts, applier,
        EventConsumer.Settings.from(conf), this::eventsWritten));
  }

  private ServiceClient producerClient(String producer) {
    return new ServiceClient(vertx, registry, producer, conf.getLong("request-timeout-ms", 5000L));
  }

  /** Keeps the consumer (stopped with the service) and starts it. */
  private Future<EventConsumer> started(EventConsumer c) {
    consumers.add(c);
    return c.start().map(c);
  }

  private Future<JsonObject> readEvents(JsonObject body) {
    Input in = Input.of(body).only("afterTx", "afterPosition", "limit");
    long afterTx = body.getLong("afterTx", 0L);
    long afterPosition = body.getLong("afterPosition", 0L);
    int limit = in.integer("limit", 1, 1000, 200);
    return EventLog.read(pool, afterTx, afterPosition, limit)
        .map(EventLog::reply);
  }

  private Future<JsonObject> audit(JsonObject body) {
    int limit = Input.of(body).only("limit").integer("limit", 1, 1000, 200);
    return Audit.list(pool, service(), limit).map(entries -> new JsonObject().put("service", service()).put("entries", entries));
  }

  private Future<JsonObject> eventsHead(JsonObject body) {
    JsonObject b = body == null ? new JsonObject() : body;
    return EventLog.head(pool, b.getLong("afterTx"), b.getLong("afterPosition"));
  }

  /**
   * Each of this service's readers against its producer; a producer that cannot be asked (away, in a restart or a
   * kill), that does not answer within {@value #LAG_ANSWER_MS} ms (stalled), or a position that cannot be read has its
   * entry say why, and the others are still answered: an operator's view, asked every few seconds, that neither goes
   * blank nor logs an error for a routine restart.
   */
  private Future<JsonObject> lag(JsonObject body) {
    List<Future<JsonObject>> each = consumers.stream().map(c -> c.lag().timeout(LAG_ANSWER_MS, TimeUnit.MILLISECONDS)
        .otherwise(t -> new JsonObject().put("consumer", service()).put("producer", c.producer())
            .put("error", Replies.unanswered(c.producer(), LAG_ANSWER_MS, t)))).toList();
    return Future.join(each).map(v -> new JsonObject().put("consumer", service())
        .put("producers", new JsonArray(each.stream().map(Future::result).toList())));
  }

  /**
   * How long a reader's entry of {@link #lag} waits for its producer: under the 1.5 s the web's dashboard gives the
   * whole answer, so that one stalled producer blanks its own entry, not every entry of the service.
   */
  static final long LAG_ANSWER_MS = 1_000;

  private MessageConsumer<JsonObject> healthConsumer() {
    HealthChecks checks = HealthChecks.create(vertx)
        .register("database", 2_000, promise -> pool.query("SELECT 1").execute()
            .onSuccess(rows -> promise.complete(Status.OK()))
            .onFailure(t -> promise.complete(Status.KO(new JsonObject().put("cause", String.valueOf(t.getMessage()))))))
        .register("split-data", promise -> promise.complete(guard.status()));
    return vertx.eventBus().consumer(service() + ".health", message -> checks.checkStatus()
        .onSuccess(result -> message.reply(result.toJson()))
        .onFailure(t -> message.reply(new JsonObject().put("status", "DOWN").put("outcome", "DOWN"))));
  }
}
