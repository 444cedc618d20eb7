package dev.microshop.common.discovery;

import dev.microshop.common.MicroshopVertx;
import dev.microshop.common.failure.FailureCode;
import dev.microshop.common.failure.ServiceException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/**
 * Requests to one service over the event bus, found through service discovery first: when no
 * instance of the service is published the request is not sent, and fails with 503 instead of
 * waiting (after one more look a moment later, see {@link #request}); otherwise it is sent with a
 * timeout (504 when no answer comes).
 */
public final class ServiceClient {

  private final Vertx vertx;
  private final ServiceRegistry registry;
  private final String service;
  private final DeliveryOptions options;
  private static final long RETRY_DELAY_MS = 500;

  public ServiceClient(Vertx vertx, ServiceRegistry registry, String service, long timeoutMs) {
    this.vertx = vertx;
    this.registry = registry;
    this.service = service;
    this.options = new DeliveryOptions().setSendTimeout(timeoutMs);
  }

  /**
   * Sends {@code body} to {@code address} (one of the service's own addresses) and returns the
   * reply body. When nobody was there to take it (an instance just died and the cluster has not
   * caught up), or no instance was published (the registry between a record's withdrawal and its
   * publication again, as a sweep during a member change does), it is sent once more, a moment
   * later: it was never delivered.
   */
  public Future<JsonObject> request(String address, JsonObject body) {
    return send(address, body).recover(t -> notDelivered(t) ? later().compose(v -> send(address, body)) : Future.failedFuture(t));
  }

  /**
   * For requests that are safe to repeat (queries, and commands idempotent by a key such as an
   * order placement with its Idempotency-Key): also sent once more after a timeout, which is
   * what a request to an instance that died meanwhile gets.
   */
  public Future<JsonObject> requestIdempotent(String address, JsonObject body) {
    return send(address, body).recover(t -> notDelivered(t) || isTimeout(t)
        ? later().compose(v -> send(address, body)) : Future.failedFuture(t));
  }

  private Future<JsonObject> send(String address, JsonObject body) {
    return registry.address(service)
        .compose(found -> vertx.eventBus().<JsonObject>request(address, body, options))
        .map(reply -> reply.body());
  }

  private Future<Void> later() {
    return MicroshopVertx.delay(vertx, RETRY_DELAY_MS);
  }

  /** Nobody took it: no handler on the event bus, or no published instance (the registry's 503). */
  private static boolean notDelivered(Throwable t) {
    return t instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS
        || t instanceof ServiceException se && se.code() == FailureCode.UNAVAILABLE;
  }

  private static boolean isTimeout(Throwable t) {
    return t instanceof ReplyException re && re.failureType() == ReplyFailure.TIMEOUT;
  }
}
