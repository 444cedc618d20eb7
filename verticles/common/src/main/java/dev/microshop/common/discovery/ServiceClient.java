package dev.microshop.common.discovery;

import dev.microshop.common.MicroshopVertx;
import dev.microshop.common.failure.FailureCode;
import dev.microshop.common.failure.ServiceException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Requests to one service over the event bus, found through service discovery first: when no
 * instance of the service is published the request is not sent, and fails with 503 instead of
 * waiting (after one more look a moment later, see {@link #request}); otherwise it is sent with a
 * timeout (504 when no answer comes).
 *
 * <p>With per-instance routing ({@link Routing}), each request goes to one instance's own address for
 * it ({@code <address>@<instance id>}, {@link ServiceRegistry#instanceAddress}), chosen
 * round-robin among those answering well ({@link InstanceHealth}: one that does not answer, or
 * answers later than {@value #SLOW_MS} ms, three times in a row, is skipped for a while), so a
 * stalled instance (a long GC pause, a frozen VM, SIGSTOP) stops costing anything within about
 * {@value #SLOW_MS} ms of traffic, long before the cluster removes its member. A request that is
 * safe to repeat ({@link #requestIdempotent}) and has no answer after {@value #SLOW_MS} ms is also
 * sent to another instance; the first answer wins.
 *
 * <p>A call has one time budget, the client's timeout, whatever it takes inside: the hedge and the
 * retry of a request nobody took share it, and a retry is only sent when at least
 * {@value #MIN_ATTEMPT_MS} ms of it are left, so a caller never waits longer than the timeout (no
 * stacked timeouts). Each message carries its deadline ({@value #DEADLINE_HEADER}, epoch ms); a
 * service drops one whose deadline has passed before its work begins (see {@code Replies}).
 *
 * <p>A client may be limited to a number of calls in flight ({@link #limitedTo}): the calls beyond
 * it wait, in order, for one to end, and their budget starts when they are sent. That is what a
 * caller with a backlog (the order saga after a slow spell: hundreds of steps due at once) needs so
 * as not to bury its participant under requests that would wait past their timeout in its pool's
 * queue, be retried, and queue again: the participant is kept at the work it can finish in time.
 */
public final class ServiceClient {

  /** An answer later than this counts against its instance; an idempotent request is then sent to another one too. */
  static final long SLOW_MS = 500;
  private static final long RETRY_DELAY_MS = 500;
  /** A retry with less of the budget left than this is not sent. */
  static final long MIN_ATTEMPT_MS = 100;
  /** The header of every request: its deadline, epoch ms. */
  public static final String DEADLINE_HEADER = "microshop-deadline";

  private final Vertx vertx;
  private final ServiceRegistry registry;
  private final String service;
  private final long timeoutMs;
  /** {@link Routing#perInstance}, read once: whether this client routes to instances one by one. */
  private final boolean perInstance;
  private final InstanceHealth health;
  /** Calls in flight at most ({@link #limitedTo}); the others wait in {@link #waiting}. */
  private int limit = Integer.MAX_VALUE;
  private long maxWaitMs = Long.MAX_VALUE;
  private int inFlight;
  /** The calls waiting for a permit, in order; one whose wait expired stays until it reaches the head, skipped. */
  private final java.util.ArrayDeque<Waiter> waiting = new java.util.ArrayDeque<>();
  private int waitingNow;

  /** A call waiting for a permit: sent by {@link #release} (its expiry timer cancelled), or failed by that timer. */
  private static final class Waiter {
    final Runnable send;
    long timer;
    boolean expired;
    boolean sent;

    Waiter(Runnable send) {
      this.send = send;
    }
  }

  public ServiceClient(Vertx vertx, ServiceRegistry registry, String service, long timeoutMs) {
    this.vertx = vertx;
    this.registry = registry;
    this.service = service;
    this.timeoutMs = timeoutMs;
    this.perInstance = Routing.perInstance(vertx);
    this.health = InstanceHealth.of(service);
    health.describeWith(registry::jvmOf);
  }

  /**
   * At most {@code maxInFlight} calls of this client in flight at once; the others wait for a
   * permit, in order, before they are sent (their time budget starts then). A call that waited
   * {@code maxWaitMs} without one fails as a time-out (504) and is never sent: its caller backs off
   * (a saga step is retried later) instead of being held, and counted as in progress, without bound.
   */
  public ServiceClient limitedTo(int maxInFlight, long maxWaitMs) {
    if (maxInFlight < 1 || maxWaitMs < 1) {
      throw new IllegalArgumentException("maxInFlight and maxWaitMs must be at least 1");
    }
    this.limit = maxInFlight;
    this.maxWaitMs = maxWaitMs;
    return this;
  }

  /** Calls waiting for a permit now ({@link #limitedTo}). */
  public int waiting() {
    synchronized (waiting) {
      return waitingNow;
    }
  }

  /** The service this client calls. */
  public String service() {
    return service;
  }

  /**
   * Sends {@code body} to {@code address} (one of the service's own addresses) and returns the
   * reply body. When nobody was there to take it (an instance just died and the cluster has not
   * caught up), or no instance was published (the registry between a record's withdrawal and its
   * publication again, as a sweep during a member change does), it is sent once more, a moment
   * later: it was never delivered.
   */
  public Future<JsonObject> request(String address, JsonObject body) {
    return withPermit(() -> requestNow(address, body));
  }

  /**
   * As {@link #request}, but sent at once, beside the limit of {@link #limitedTo} (it takes no permit
   * and waits for none): for compensations and cancels, which free what the waiting calls need and
   * must not queue behind a backlog of new work while the clock runs for them (a courier that ships
   * the order meanwhile refuses the cancel).
   */
  public Future<JsonObject> requestAhead(String address, JsonObject body) {
    return requestNow(address, body);
  }

  private Future<JsonObject> requestNow(String address, JsonObject body) {
    long deadline = deadline();
    return send(address, body, false, deadline)
        .recover(t -> notDelivered(t) && timeForRetry(deadline)
            ? later().compose(v -> send(address, body, false, deadline)) : Future.failedFuture(t));
  }

  /**
   * For requests that are safe to repeat (queries, and commands idempotent by a key such as an
   * order placement with its Idempotency-Key): also sent to a second instance when the first is
   * slow, and sent once more, a moment later, after a failure to answer (an instance that died
   * meanwhile), while the call's budget lasts.
   */
  public Future<JsonObject> requestIdempotent(String address, JsonObject body) {
    return withPermit(() -> requestIdempotentNow(address, body));
  }

  private Future<JsonObject> requestIdempotentNow(String address, JsonObject body) {
    long deadline = deadline();
    return send(address, body, true, deadline).recover(t -> (notDelivered(t) || isTimeout(t)) && timeForRetry(deadline)
        ? later().compose(v -> send(address, body, true, retryDeadline(deadline))) : Future.failedFuture(t));
  }

  /** Runs {@code call} once a permit is free, on the caller's context; the permit is given back when it ends. */
  private Future<JsonObject> withPermit(java.util.function.Supplier<Future<JsonObject>> call) {
    if (limit == Integer.MAX_VALUE) {
      return call.get();
    }
    Promise<JsonObject> result = Promise.promise();
    Runnable run = () -> {
      Future<JsonObject> f;
      try {
        f = call.get();
      } catch (RuntimeException e) {
        f = Future.failedFuture(e);
      }
      f.onComplete(ar -> {
        release();
        result.handle(ar);
      });
    };
    boolean now;
    synchronized (waiting) {
      now = inFlight < limit;
      if (now) {
        inFlight++;
      } else {
        // a waiting call is sent from its caller's context, within its caller's span (a saga step's)
        io.vertx.core.Context context = vertx.getOrCreateContext();
        Runnable traced = io.opentelemetry.context.Context.current().wrap(run);
        Waiter waiter = new Waiter(() -> context.runOnContext(v -> traced.run()));
        waiting.add(waiter);
        waitingNow++;
        waiter.timer = vertx.setTimer(maxWaitMs, id -> {
          synchronized (waiting) {
            if (waiter.sent) {
              return; // its permit came as the timer fired
            }
            waiter.expired = true; // left in the queue, skipped when it comes first: no O(n) removal
            waitingNow--;
          }
          result.fail(new ServiceException(FailureCode.TIMEOUT, "no permit to call " + service + " within "
              + maxWaitMs + " ms (" + limit + " calls in flight)"));
        });
      }
    }
    if (now) {
      run.run();
    }
    return result.future();
  }

  /** A call ended: its permit goes to the first waiting call, else back to the pool. */
  private void release() {
    Waiter next;
    synchronized (waiting) {
      do {
        next = waiting.poll();
      } while (next != null && next.expired);
      if (next == null) {
        inFlight--;
      } else {
        next.sent = true;
        waitingNow--;
      }
    }
    if (next != null) {
      vertx.cancelTimer(next.timer);
      next.send.run();
    }
  }

  /**
   * The call's deadline. With per-instance routing ({@link Routing}) a call has one budget, its
   * timeout, which the hedge and the retry share; without it (the default for now) every attempt has
   * the whole timeout, as before: the retry after a time-out is what a request to an instance that
   * was stopping gets (its consumers gone, the message dropped), and without a hedge it needs the time.
   */
  private long deadline() {
    return System.currentTimeMillis() + (perInstance ? timeoutMs : 2 * timeoutMs + RETRY_DELAY_MS);
  }

  private long retryDeadline(long deadline) {
    return perInstance ? deadline : System.currentTimeMillis() + RETRY_DELAY_MS + timeoutMs;
  }

  private static boolean timeForRetry(long deadline) {
    return deadline - System.currentTimeMillis() >= RETRY_DELAY_MS + MIN_ATTEMPT_MS;
  }

  /** What is left of the call's budget, as the options of one message (at least 1 ms). */
  private static DeliveryOptions options(long deadline) {
    return new DeliveryOptions().setSendTimeout(Math.max(1, deadline - System.currentTimeMillis()))
        .addHeader(DEADLINE_HEADER, Long.toString(deadline));
  }

  /** The instances of the service this client has seen fail, and whether they are in rotation now. */
  public JsonObject instancesView() {
    return new JsonObject().put("service", service).put("instances", health.toJson(System.currentTimeMillis()));
  }

  private Future<JsonObject> send(String address, JsonObject body, boolean hedged, long deadline) {
    return registry.address(service).compose(shared -> {
      List<String> instances = registry.upInstances(service);
      if (instances.isEmpty() || !perInstance) { // records that name no instance, or routing off: the event bus picks
        DeliveryOptions one = perInstance ? options(deadline)
            : options(Math.min(deadline, System.currentTimeMillis() + timeoutMs)); // an attempt: the timeout
        return vertx.eventBus().<JsonObject>request(address, body, one).map(reply -> reply.body());
      }
      // one instance too goes to its own address: at the shared one, the event bus may still pick an
      // instance that withdrew its record and is stopping (a rolling restart), and drop the message
      return new Attempts(address, body, instances, deadline).start(hedged);
    });
  }

  /** One request over the instances: the first attempt, maybe a second after {@link #SLOW_MS}; the first answer wins. */
  private final class Attempts {
    private final String address;
    private final JsonObject body;
    private final List<String> instances;
    private final long deadline;
    private final Promise<JsonObject> answer = Promise.promise();
    private int pending;

    Attempts(String address, JsonObject body, List<String> instances, long deadline) {
      this.address = address;
      this.body = body;
      this.instances = instances;
      this.deadline = deadline;
    }

    Future<JsonObject> start(boolean hedged) {
      String first = health.pick(instances, null, System.currentTimeMillis());
      send(first);
      long timer = vertx.setTimer(SLOW_MS, id -> {
        if (answer.future().isComplete()) {
          return;
        }
        health.failed(first, instances, false, System.currentTimeMillis()); // late: counts against it
        boolean timeLeft = deadline - System.currentTimeMillis() >= MIN_ATTEMPT_MS;
        String second = hedged && timeLeft ? health.pick(instances, first, System.currentTimeMillis()) : null;
        if (second != null) {
          send(second);
        }
      });
      return answer.future().onComplete(ar -> vertx.cancelTimer(timer));
    }

    private void send(String instance) {
      long sent = System.nanoTime();
      synchronized (this) {
        pending++;
      }
      vertx.eventBus().<JsonObject>request(ServiceRegistry.instanceAddress(address, instance), body, options(deadline))
          .onSuccess(reply -> {
            if ((System.nanoTime() - sent) / 1_000_000 < SLOW_MS) {
              health.answered(instance);
            }
            answer.tryComplete(reply.body());
          })
          .onFailure(t -> {
            boolean noAnswer = isTimeout(t) || isNoHandlers(t);
            if (noAnswer) {
              health.failed(instance, instances, isNoHandlers(t), System.currentTimeMillis());
            } else if ((System.nanoTime() - sent) / 1_000_000 < SLOW_MS) {
              health.answered(instance); // an answer, even a refusal: the instance is there
            }
            boolean last;
            synchronized (this) {
              last = --pending == 0;
            }
            if (!noAnswer || last) { // the service's own refusal is the answer; no answer only when none comes
              answer.tryFail(t);
            }
          });
    }
  }

  private Future<Void> later() {
    return MicroshopVertx.delay(vertx, RETRY_DELAY_MS);
  }

  /** Nobody took it: no handler on the event bus, or no published instance (the registry's 503). */
  private static boolean notDelivered(Throwable t) {
    return isNoHandlers(t) || t instanceof ServiceException se && se.code() == FailureCode.UNAVAILABLE;
  }

  private static boolean isNoHandlers(Throwable t) {
    return t instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS;
  }

  private static boolean isTimeout(Throwable t) {
    return t instanceof ReplyException re && re.failureType() == ReplyFailure.TIMEOUT;
  }
}
