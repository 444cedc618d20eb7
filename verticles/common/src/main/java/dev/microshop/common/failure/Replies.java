package dev.microshop.common.failure;

import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Function;

/**
 * The one place where an event-bus handler's outcome becomes a reply: a success replies with
 * its JSON, a {@link ServiceException} fails with its code and message, anything else is
 * logged once (with its stack trace) and fails as {@code 500 internal} or {@code 503} without
 * leaking details.
 */
public final class Replies {

  private static final Logger LOG = LoggerFactory.getLogger(Replies.class);

  private Replies() {
  }

  /** A consumer body: parse, run, reply or fail, on every path (a throwing handler never replies). */
  public static <T> io.vertx.core.Handler<Message<T>> handler(Function<T, Future<JsonObject>> action) {
    return message -> {
      Future<JsonObject> outcome;
      try {
        outcome = action.apply(message.body());
      } catch (RuntimeException e) {
        outcome = Future.failedFuture(e);
      }
      outcome.onSuccess(message::reply).onFailure(t -> fail(message, t));
    };
  }

  public static void fail(Message<?> message, Throwable t) {
    ServiceException se = translate(t);
    if (se.code() == FailureCode.INTERNAL || se.code() == FailureCode.UNAVAILABLE) {
      LOG.error("{} failed", message.address(), t);
    }
    message.fail(se.code().status(), se.getMessage());
  }

  /** Maps a failure to what may be told to the caller; database errors are translated here, once. */
  public static ServiceException translate(Throwable t) {
    if (t instanceof ServiceException se) {
      return se;
    }
    if (t instanceof IllegalArgumentException || t instanceof ClassCastException) {
      return ServiceException.badRequest(t.getMessage() == null ? "invalid request" : t.getMessage());
    }
    if (t instanceof PgException pg && pg.getSqlState() != null) {
      String state = pg.getSqlState();
      if (state.equals("23505")) {
        return ServiceException.conflict("already exists");
      }
      if (state.startsWith("23")) {
        return ServiceException.badRequest("violates a rule of the data: " + pg.getConstraint());
      }
      if (state.startsWith("08") || state.startsWith("57P") || state.equals("53300")) {
        return new ServiceException(FailureCode.UNAVAILABLE, "database unavailable");
      }
    }
    if (t instanceof io.vertx.core.VertxException && String.valueOf(t.getMessage()).contains("Connection")) {
      return new ServiceException(FailureCode.UNAVAILABLE, "database unavailable");
    }
    return new ServiceException(FailureCode.INTERNAL, "internal error");
  }
}
