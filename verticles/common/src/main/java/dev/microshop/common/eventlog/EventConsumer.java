package dev.microshop.common.eventlog;

import dev.microshop.common.db.Transactions;
import dev.microshop.common.discovery.ServiceClient;
import dev.microshop.common.tracing.Tracing;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.backends.BackendRegistries;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Reads one producer's event log into this service. Its position (tx, position) lives in this
 * service's own database; each batch of events is applied and the position advanced in one
 * transaction, so every event takes effect exactly once, whatever crashes. The producer's
 * wake-up ({@link EventLogAddresses#notify}) makes delivery quick; a polling timer makes it
 * certain. Several instances may run: the position row is locked and compared, so a batch that
 * another instance applied first is skipped.
 */
public final class EventConsumer {

  private static final Logger LOG = LoggerFactory.getLogger(EventConsumer.class);

  /** Applies one event inside the consumer's transaction; only {@code tx} may be used. */
  @FunctionalInterface
  public interface Applier {
    Future<Void> apply(SqlConnection tx, Event event);
  }

  /**
   * Applies the events of a batch that the consumer acts on (at least one, in log order) inside the
   * consumer's transaction, in a few statements for all of them rather than some for each; only
   * {@code tx} may be used. Each traced event still has its span ({@code apply <type>}), ended when the
   * batch is applied; the batch's statements are children of none of them, but each event given to the
   * applier carries its span's traceparent (not the writer's), so what the applier records for it
   * continues that span.
   */
  @FunctionalInterface
  public interface BatchApplier {
    Future<Void> apply(SqlConnection tx, List<Event> events);
  }

  /**
   * @param pollMs      how often to read without a wake-up
   * @param batchSize   events applied per transaction
   * @param wakeDelayMs how long a wake-up waits before reading, so that the events of several
   *                    transactions are applied in one batch (a transaction per event otherwise)
   */
  public record Settings(long pollMs, int batchSize, long wakeDelayMs) {
    public static Settings from(JsonObject conf) {
      JsonObject e = conf.getJsonObject("events", new JsonObject());
      return new Settings(e.getLong("poll-ms", 1000L), e.getInteger("batch-size", 200), e.getLong("wake-delay-ms", 20L));
    }
  }

  private static final String INIT = "INSERT INTO consumer_position (consumer, producer) VALUES ($1, $2)"
      + " ON CONFLICT DO NOTHING";
  private static final String POSITION = "SELECT tx, position FROM consumer_position WHERE consumer = $1 AND producer = $2";
  /**
   * Moves the position from where the batch was read ($3, $4) past it ($5, $6), the first statement
   * of the batch's transaction: it locks the row, and changes nothing when another instance (or a
   * rebuild) moved the position meanwhile (no row: read again from where it stands now).
   */
  private static final String ADVANCE = "UPDATE consumer_position SET tx = $5, position = $6, updated_at = now()"
      + " WHERE consumer = $1 AND producer = $2 AND tx = $3 AND position = $4";

  private final Vertx vertx;
  private final Pool pool;
  private final String consumer;
  private final String producer;
  private final ServiceClient producerClient;
  private final Predicate<String> acts;
  private final Applier applier;
  private final BatchApplier batchApplier;
  private final Settings settings;
  private final Runnable afterCommit;

  private boolean stopped;
  private final Wakeups reads;
  private long timer = -1;
  private MessageConsumer<Object> notices;
  private volatile long appliedTx;
  private volatile long appliedPosition;
  private volatile long producerHead;
  private volatile long pending;
  /**
   * Where this instance's last batch left the position ({tx, position}), so the next read needs not
   * ask the database; null when unknown: at start, after a batch another instance applied first, a
   * failure, and at each polling tick (so a position moved elsewhere is seen within {@code pollMs}).
   */
  private long[] known;

  /**
   * @param acts which event types the applier acts on: the others only move the position on, unapplied (and untraced)
   */
  public EventConsumer(Vertx vertx, Pool pool, String consumer, String producer, ServiceClient producerClient,
                       Predicate<String> acts, Applier applier, Settings settings, Runnable afterCommit) {
    this(vertx, pool, consumer, producer, producerClient, acts, applier, null, settings, afterCommit);
  }

  /** A consumer that applies each batch's events with one call of {@code batchApplier}. */
  public EventConsumer(Vertx vertx, Pool pool, String consumer, String producer, ServiceClient producerClient,
                       Predicate<String> acts, BatchApplier batchApplier, Settings settings, Runnable afterCommit) {
    this(vertx, pool, consumer, producer, producerClient, acts, null, batchApplier, settings, afterCommit);
  }

  private EventConsumer(Vertx vertx, Pool pool, String consumer, String producer, ServiceClient producerClient,
                        Predicate<String> acts, Applier applier, BatchApplier batchApplier, Settings settings,
                        Runnable afterCommit) {
    this.batchApplier = batchApplier;
    this.afterCommit = afterCommit;
    this.vertx = vertx;
    this.pool = pool;
    this.consumer = consumer;
    this.producer = producer;
    this.producerClient = producerClient;
    this.acts = acts;
    this.applier = applier;
    this.settings = settings;
    this.reads = new Wakeups(vertx, settings.wakeDelayMs(), () -> stopped, this::read);
  }

  public Future<Void> start() {
    registerGauges();
    return pool.preparedQuery(INIT).execute(Tuple.of(consumer, producer))
        .compose(v -> {
          notices = vertx.eventBus().consumer(EventLogAddresses.notify(producer), m -> reads.soon());
          return notices.completion();
        })
        .onSuccess(v -> {
          timer = vertx.setPeriodic(settings.pollMs(), id -> {
            known = null;
            wake();
            refreshLag();
          });
          wake();
        });
  }

  public Future<Void> stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    return notices == null ? Future.succeededFuture() : notices.unregister();
  }

  /**
   * Reads again from the position stored in the database, whatever this instance last wrote there:
   * after something else moved it (a rebuild of the view from position zero).
   */
  public void rewound() {
    known = null;
    wake();
  }

  /** Reads and applies whatever is new; at most one drain at a time, another one after it when asked meanwhile. */
  public void wake() {
    reads.now();
  }

  private Future<Void> read() {
    return drain()
        .onFailure(t -> {
          known = null;
          if (stopped) {
            // a read in flight when the service stopped, cut short by its pool's close: the next start resumes it
            LOG.debug("{} ← {}: stopped during a read: {}", consumer, producer, t.getMessage());
          } else if (dev.microshop.common.failure.FailureCode.of(t) == dev.microshop.common.failure.FailureCode.UNAVAILABLE) {
            LOG.debug("{} ← {}: producer not available yet", consumer, producer);
          } else {
            LOG.warn("{} ← {}: {} (retried on the next wake-up)", consumer, producer, t.getMessage());
          }
        });
  }

  /**
   * Reads and applies batches until one comes short: a batch of fewer than {@code batchSize} events
   * was all there was to read then, and what commits later wakes this reader again (the producer's
   * wake-up, or the polling timer when one was lost), so no read comes back empty after each batch.
   * A batch that another instance applied first is read again from the new position. A loop holding
   * one batch at a time ({@link Drain}).
   */
  private Future<Void> drain() {
    return Drain.untilDone(this::nextBatch);
  }

  /** Reads and applies one batch; true when there may be more to read now (a full batch, or one another instance applied first). */
  private Future<Boolean> nextBatch() {
    Future<long[]> from = known != null ? Future.succeededFuture(known)
        : pool.preparedQuery(POSITION).execute(Tuple.of(consumer, producer))
            .map(rows -> rows.iterator().next())
            .map(pos -> new long[] {pos.getLong("tx"), pos.getLong("position")});
    return from.compose(pos -> fetch(pos[0], pos[1])
        .compose(events -> events.isEmpty()
            ? Future.succeededFuture(false)
            : apply(pos[0], pos[1], events).map(applied -> !applied || events.size() >= settings.batchSize())));
  }

  private Future<List<Event>> fetch(long tx, long position) {
    return producerClient.request(EventLogAddresses.read(producer), new JsonObject()
            .put("afterTx", tx).put("afterPosition", position).put("limit", settings.batchSize()))
        .map(EventLog::events);
  }

  /** Advances the position past the batch and applies it, in one transaction; false when another instance moved it first. */
  private Future<Boolean> apply(long fromTx, long fromPosition, List<Event> events) {
    Event last = events.get(events.size() - 1);
    return Transactions.run(pool, tx -> tx.preparedQuery(ADVANCE)
        .execute(Tuple.of(consumer, producer, fromTx, fromPosition, last.tx(), last.position())).compose(moved -> {
      if (moved.rowCount() == 0) {
        known = null;
        return Future.succeededFuture(false); // another instance (or a rebuild) moved it: read again
      }
      List<Event> acted = events.stream().filter(e -> acts.test(e.type())).toList();
      Future<Void> chain = Future.succeededFuture();
      if (batchApplier == null) {
        for (Event e : acted) {
          chain = chain.compose(v -> applyTraced(tx, e));
        }
      } else if (!acted.isEmpty()) {
        chain = applyBatchTraced(tx, acted);
      }
      return chain.map(true);
    })).onSuccess(applied -> {
      if (applied) {
        known = new long[] {last.tx(), last.position()};
        appliedTx = last.tx();
        appliedPosition = last.position();
      }
      afterCommit.run(); // what the events led to may be events of this service
    });
  }

  /**
   * Applies an event that carries a traceparent in a span {@code apply <type>} that is its child:
   * the consumer's work joins the trace of what wrote the event, seconds later and in another JVM.
   * The applier is called while the span is current, so its first statement or request is a child
   * of it. An event without one (tracing off when it was written) is applied as it is.
   */
  private Future<Void> applyTraced(SqlConnection tx, Event e) {
    if (e.traceParent() == null) {
      return applier.apply(tx, e);
    }
    return Tracing.within(span(e), () -> applier.apply(tx, e));
  }

  /** Applies a batch in one call; the span of each traced event ends with it (with an error status when it failed). */
  private Future<Void> applyBatchTraced(SqlConnection tx, List<Event> acted) {
    List<Span> spans = new ArrayList<>();
    List<Event> inSpans = acted.stream().map(e -> {
      if (e.traceParent() == null) {
        return e;
      }
      Span span = span(e);
      spans.add(span);
      try (Scope scope = span.makeCurrent()) {
        return e.withTraceParent(Tracing.traceParent());
      }
    }).toList();
    Future<Void> applied;
    try {
      applied = batchApplier.apply(tx, inSpans);
    } catch (RuntimeException e) {
      applied = Future.failedFuture(e);
    }
    return applied.andThen(done -> spans.forEach(span -> {
      if (done.failed()) {
        span.setStatus(StatusCode.ERROR, String.valueOf(done.cause().getMessage()));
      }
      span.end();
    }));
  }

  private Span span(Event e) {
    return Tracing.tracer().spanBuilder("apply " + e.type())
        .setParent(Tracing.parent(e.traceParent()))
        .setSpanKind(SpanKind.CONSUMER)
        .setAttribute("microshop.service", consumer)
        .setAttribute("event.producer", producer)
        .setAttribute("event.position", e.position())
        .startSpan();
  }

  /** Where this consumer stands against its producer's head. */
  public Future<JsonObject> lag() {
    return pool.preparedQuery(POSITION).execute(Tuple.of(consumer, producer))
        .map(rows -> rows.iterator().next())
        .compose(pos -> producerClient.requestIdempotent(EventLogAddresses.head(producer), // a read: a slow instance is hedged
                new JsonObject().put("afterTx", pos.getLong("tx")).put("afterPosition", pos.getLong("position")))
            .map(head -> {
              appliedTx = pos.getLong("tx");
              appliedPosition = pos.getLong("position");
              producerHead = head.getLong("head");
              pending = head.getLong("pending");
              return new JsonObject().put("consumer", consumer).put("producer", producer)
                  .put("producerHead", producerHead).put("consumerPosition", appliedPosition)
                  .put("consumerTx", appliedTx).put("pending", pending);
            }));
  }

  private void refreshLag() {
    lag().onFailure(t -> LOG.debug("lag of {} ← {}: {}", consumer, producer, t.getMessage()));
  }

  private void registerGauges() {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    if (registry == null) {
      return; // metrics off (unit tests)
    }
    Gauge.builder("microshop_event_consumer_position", this, c -> c.appliedPosition)
        .tags("consumer", consumer, "producer", producer).register(registry);
    Gauge.builder("microshop_event_producer_head", this, c -> c.producerHead)
        .tags("consumer", consumer, "producer", producer).register(registry);
    Gauge.builder("microshop_event_consumer_pending", this, c -> c.pending)
        .tags("consumer", consumer, "producer", producer).register(registry);
  }

  public String producer() {
    return producer;
  }
}
