package dev.microshop.common.failure;

import dev.microshop.common.discovery.ServiceClient;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
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

  /**
   * How late past its deadline a message may begin and still be served: the clocks of two machines
   * (NTP) may differ by this much, and a message is never dropped for a difference of clocks alone.
   */
  static final long CLOCK_SKEW_MS = 1_000;

  /**
   * A consumer body: parse, run, reply or fail, on every path (a throwing handler never replies). A
   * message whose caller's deadline (header {@code microshop-deadline}, epoch ms) passed more than
   * {@value #CLOCK_SKEW_MS} ms ago is not run: nobody waits for its answer any more (it waited in a
   * queue of this JVM, stalled or overloaded), so it fails at once with 504.
   */
  public static <T> io.vertx.core.Handler<Message<T>> handler(Function<T, Future<JsonObject>> action) {
    return message -> {
      long late = System.currentTimeMillis() - deadline(message);
      if (late > CLOCK_SKEW_MS) {
        LOG.debug("{}: dropped, its caller's deadline passed {} ms ago", message.address(), late);
        message.fail(FailureCode.TIMEOUT.status(), "the caller's deadline passed before the work began");
        return;
      }
      Future<JsonObject> outcome;
      try {
        outcome = action.apply(message.body());
      } catch (RuntimeException e) {
        outcome = Future.failedFuture(e);
      }
      outcome.onSuccess(message::reply).onFailure(t -> fail(message, t));
    };
  }

  /** The message's deadline (epoch ms); none (or one that cannot be read): never. */
  private static long deadline(Message<?> message) {
    String header = message.headers().get(ServiceClient.DEADLINE_HEADER);
    try {
      return header == null ? Long.MAX_VALUE : Long.parseLong(header);
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  public static void fail(Message<?> message, Throwable t) {
    ServiceException se = translate(t);
    if (se.code() == FailureCode.INTERNAL || se.code() == FailureCode.UNAVAILABLE) {
      LOG.error("{} failed", message.address(), t);
    }
    message.fail(se.code().status(), se.getMessage());
  }

  /**
   * Why {@code service} gave no answer, in words for an operator's view (the event lag's entries): no answer within
   * {@code waitedMs} (a time-out: stalled or overloaded), not available (nobody there), or the failure's own message.
   */
  public static String unanswered(String service, long waitedMs, Throwable t) {
    if (t instanceof java.util.concurrent.TimeoutException
        || t instanceof ReplyException re && re.failureType() == ReplyFailure.TIMEOUT) {
      return "no answer from the " + service + " service within " + waitedMs + " ms";
    }
    if (t instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS) {
      return "the " + service + " service is not available";
    }
    return t.getMessage() != null ? t.getMessage() : t.toString();
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
    if (t instanceof io.vertx.core.VertxException && String.valueOf(t.getMessage()).startsWith("Timeout waiting for connection")) {
      // the pool's wait for a free connection ran out (db.pool-wait-ms): this instance has more work than it can do in time
      return new ServiceException(FailureCode.BUSY, "the service is busy: try again in a moment");
    }
    if (t instanceof io.vertx.core.VertxException && String.valueOf(t.getMessage()).contains("Connection")) {
      return new ServiceException(FailureCode.UNAVAILABLE, "database unavailable");
    }
    return new ServiceException(FailureCode.INTERNAL, "internal error");
  }
}
