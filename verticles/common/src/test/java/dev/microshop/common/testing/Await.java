package dev.microshop.common.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Blocking helpers for tests that read as a list of steps (never on an event-loop thread). */
public final class Await {

  private Await() {
  }

  public static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }

  /** The reply body of a request that must succeed. */
  public static JsonObject request(Vertx vertx, String address, JsonObject body) throws Exception {
    return await(vertx.eventBus().<JsonObject>request(address, body)).body();
  }

  /** The failure code of a request that must fail. */
  public static int failureCode(Vertx vertx, String address, JsonObject body) throws Exception {
    try {
      await(vertx.eventBus().request(address, body));
    } catch (ReplyException e) {
      return e.failureCode();
    }
    throw new AssertionError("expected " + address + " to fail for " + body);
  }
}
