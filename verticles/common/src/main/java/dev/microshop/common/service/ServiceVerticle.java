package dev.microshop.common.service;

import dev.microshop.common.config.ConfigLoader;
import dev.microshop.common.db.Database;
import dev.microshop.common.db.DbConfig;
import dev.microshop.common.discovery.ServiceRegistry;
import dev.microshop.common.failure.Replies;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Function;

/**
 * The start and stop of a service that owns a database: configuration, database (with its
 * migrations), the service's own consumers, its health on {@code <service>.health}, and its
 * record in service discovery — published last, once it can take work, and withdrawn first.
 */
public abstract class ServiceVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ServiceVerticle.class);

  protected JsonObject conf;
  protected Pool pool;
  private ServiceRegistry registry;

  /** The service's name: its config file, database, discovery record and address prefix. */
  protected abstract String service();

  /** Registers the service's consumers on {@link #pool}; completes when they are registered. */
  protected abstract Future<?> startService();

  @Override
  public Future<?> start() {
    registry = new ServiceRegistry(vertx);
    return ConfigLoader.load(vertx, service(), config())
        .compose(c -> {
          conf = c;
          return Database.open(vertx, service(), DbConfig.from(service(), c));
        })
        .compose(p -> {
          pool = p;
          return startService();
        })
        .compose(v -> healthConsumer().completion())
        .compose(v -> registry.publishEventBusService(service(), service()))
        .onSuccess(r -> LOG.info("{} service started", service()));
  }

  @Override
  public Future<?> stop() {
    return registry.unpublishAll()
        .eventually(() -> {
          registry.close();
          return pool == null ? Future.succeededFuture() : pool.close();
        });
  }

  /** Service discovery: where this service publishes itself and finds the others. */
  protected ServiceRegistry registry() {
    return registry;
  }

  /** Registers {@code action} on {@code address}: it replies or fails on every path (see {@link Replies}). */
  protected Future<Void> serve(String address, Function<JsonObject, Future<JsonObject>> action) {
    return vertx.eventBus().<JsonObject>consumer(address, Replies.handler(action)).completion();
  }

  /** Completes when every registration has. */
  @SafeVarargs
  protected static Future<?> all(Future<Void>... registrations) {
    return Future.all(List.of(registrations));
  }

  private MessageConsumer<JsonObject> healthConsumer() {
    HealthChecks checks = HealthChecks.create(vertx)
        .register("database", 2_000, promise -> pool.query("SELECT 1").execute()
            .onSuccess(rows -> promise.complete(Status.OK()))
            .onFailure(t -> promise.complete(Status.KO(new JsonObject().put("cause", String.valueOf(t.getMessage()))))));
    return vertx.eventBus().consumer(service() + ".health", message -> checks.checkStatus()
        .onSuccess(result -> message.reply(result.toJson()))
        .onFailure(t -> message.reply(new JsonObject().put("status", "DOWN").put("outcome", "DOWN"))));
  }
}
