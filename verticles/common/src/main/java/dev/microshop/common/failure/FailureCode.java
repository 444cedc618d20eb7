package dev.microshop.common.failure;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * The failure codes of every event-bus reply, HTTP-shaped so that the web verticle maps them
 * one to one. A consumer fails a message with {@code message.fail(code.status(), text)}; the
 * caller receives a {@link ReplyException} of type {@link ReplyFailure#RECIPIENT_FAILURE}
 * whose {@code failureCode()} is that status.
 */
public enum FailureCode {
  /** The request is malformed or breaks a validation rule. */
  BAD_REQUEST(400, "bad_request"),
  /** No valid credentials (a missing, expired or forged token; a wrong password). */
  UNAUTHORIZED(401, "unauthorized"),
  /** Authenticated, but not allowed (a customer on an admin route). */
  FORBIDDEN(403, "forbidden"),
  /** The thing asked for does not exist (or is not the caller's to see). */
  NOT_FOUND(404, "not_found"),
  /** The request clashes with the current state (duplicate key, reused request id). */
  CONFLICT(409, "conflict"),
  /** The body is larger than the limit. */
  TOO_LARGE(413, "too_large"),
  /** The content is of a kind the route doesn't take (an upload that is not an image it reads). */
  UNSUPPORTED_MEDIA_TYPE(415, "unsupported_media_type"),
  /** A business rule refuses the request (insufficient stock or credit, too late to cancel). */
  REJECTED(422, "rejected"),
  /** Too many requests in a short time (login throttling). */
  TOO_MANY_REQUESTS(429, "too_many_requests"),
  /** Anything unexpected on the service's side; the details are logged there, never sent. */
  INTERNAL(500, "internal"),
  /** A dependency (database, another service) cannot be reached right now. */
  UNAVAILABLE(503, "unavailable"),
  /** No answer in time. */
  TIMEOUT(504, "timeout"),
  /**
   * Too much work in progress: the request was refused at once, before anything was stored (503,
   * as {@link #UNAVAILABLE} on the wire; a refusal by design, so not logged as a failure).
   */
  BUSY(503, "unavailable");

  private final int status;
  private final String error;

  FailureCode(int status, String error) {
    this.status = status;
    this.error = error;
  }

  public int status() {
    return status;
  }

  /** The stable machine-readable code of the JSON error body, e.g. {@code not_found}. */
  public String error() {
    return error;
  }

  public static FailureCode ofStatus(int status) {
    for (FailureCode c : values()) {
      if (c.status == status) {
        return c;
      }
    }
    return status >= 500 ? INTERNAL : BAD_REQUEST;
  }

  /** What a failed request over the event bus means for the caller. */
  public static FailureCode of(Throwable t) {
    if (t instanceof ServiceException se) {
      return se.code();
    }
    if (t instanceof ReplyException re) {
      return switch (re.failureType()) {
        case TIMEOUT -> TIMEOUT;
        case NO_HANDLERS -> UNAVAILABLE;
        case RECIPIENT_FAILURE -> ofStatus(re.failureCode());
        default -> INTERNAL;
      };
    }
    return INTERNAL;
  }
}
