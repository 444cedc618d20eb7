package dev.microshop.common.testing;

import dev.microshop.common.eventlog.EventConsumer;
import dev.microshop.common.service.ServiceVerticle;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;

import java.util.function.Function;

/**
 * A small service for the tests of the service machinery: {@code name} is its service (its config,
 * database, migrations and discovery record) and {@code start} registers what it serves. The steps
 * a service takes from {@link ServiceVerticle} are open to {@code start} here.
 */
public class TestService extends ServiceVerticle {

  /** What the service registers once started (its {@link ServiceVerticle#startService()}). */
  @FunctionalInterface
  public interface Start {
    Future<?> start(TestService service);
  }

  private final String name;
  private final Start start;

  public TestService(String name, Start start) {
    this.name = name;
    this.start = start;
  }

  @Override
  protected String service() {
    return name;
  }

  @Override
  protected Future<?> startService() {
    return start.start(this);
  }

  @Override
  public Future<Void> serve(String address, Function<JsonObject, Future<JsonObject>> action) {
    return super.serve(address, action);
  }

  @Override
  public <T> Future<T> transaction(Function<SqlConnection, Future<T>> work) {
    return super.transaction(work);
  }

  @Override
  public Future<EventConsumer> consume(String producer, EventConsumer.Applier applier) {
    return super.consume(producer, applier);
  }

  @Override
  public Future<EventConsumer> consume(String producer, java.util.function.Predicate<String> acts, EventConsumer.Applier applier) {
    return super.consume(producer, acts, applier);
  }

  @Override
  public Future<EventConsumer> consumeBatches(String producer, java.util.function.Predicate<String> acts,
                                              EventConsumer.BatchApplier applier) {
    return super.consumeBatches(producer, acts, applier);
  }

  /** The service's database pool, once started. */
  public Pool pool() {
    return pool;
  }
}
