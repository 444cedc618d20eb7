package dev.microshop.common.discovery;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

/**
 * Requests to one service over the event bus, found through service discovery first: when no
 * instance of the service is published the request fails at once with 503 instead of waiting;
 * otherwise it is sent with a timeout (504 when no answer comes).
 */
public final class ServiceClient {

  private final Vertx vertx;
  private final ServiceRegistry registry;
  private final String service;
  private final DeliveryOptions options;

  public ServiceClient(Vertx vertx, ServiceRegistry registry, String service, long timeoutMs) {
    this.vertx = vertx;
    this.registry = registry;
    this.service = service;
    this.options = new DeliveryOptions().setSendTimeout(timeoutMs);
  }

  /** Sends {@code body} to {@code address} (one of the service's own addresses) and returns the reply body. */
  public Future<JsonObject> request(String address, JsonObject body) {
    return registry.address(service)
        .compose(found -> vertx.eventBus().<JsonObject>request(address, body, options))
        .map(reply -> reply.body());
  }
}
