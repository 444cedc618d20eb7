package dev.microshop.common.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The spans this JVM ended last, in memory, for the admin pages' waterfall: at most {@code capacity},
 * the oldest dropped first. Of each, only what the waterfall shows is kept ({@link Kept}: its ids, times, name,
 * kind, status and the few attributes it names a span by), not the SDK's span data (its attribute map, events,
 * links, resource): under load the buffer holds the last fraction of a second, so it is most of what a young
 * collection has to copy, and with the SDK's data that copying made most of tracing's cost (a traced all-in-one
 * under the order load, 6 Dec 2026: 6.5 s of a minute in GC pauses, against 0.7 s untraced). Turned into the
 * waterfall's fields only when asked. Thread-safe (spans end on any thread).
 */
public final class RecentSpans implements SpanProcessor {

  static final AttributeKey<String> ORDER_ID = AttributeKey.stringKey("order.id");
  private static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
  private static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
  private static final AttributeKey<String> DB_NAMESPACE = AttributeKey.stringKey("db.namespace");
  private static final AttributeKey<String> DB_STATEMENT = AttributeKey.stringKey("db.query.text");
  private static final AttributeKey<String> SERVICE = AttributeKey.stringKey("microshop.service");
  private static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");

  private final int capacity;
  private final String node;
  private final ArrayDeque<Kept> spans = new ArrayDeque<>();

  /**
   * An ended span as the waterfall needs it. Its strings are the span's own (ids, name, attribute values), shared,
   * not copied; {@code error}: an error status or an HTTP status of 500 or more.
   */
  private record Kept(String traceId, String spanId, String parentId, String name, SpanKind kind, long startEpochNanos,
                      long endEpochNanos, boolean error, String destination, String path, String db, String statement,
                      String service, String orderId) {
    static Kept of(SpanData s) {
      Attributes a = s.getAttributes();
      Long status = a.get(HTTP_STATUS);
      return new Kept(s.getTraceId(), s.getSpanId(), s.getParentSpanContext().isValid() ? s.getParentSpanId() : null,
          s.getName(), s.getKind(), s.getStartEpochNanos(), s.getEndEpochNanos(),
          s.getStatus().getStatusCode() == StatusCode.ERROR || (status != null && status >= 500),
          a.get(DESTINATION), a.get(URL_PATH), a.get(DB_NAMESPACE), a.get(DB_STATEMENT), a.get(SERVICE), a.get(ORDER_ID));
    }
  }

  RecentSpans(int capacity, String node) {
    this.capacity = capacity;
    this.node = node;
  }

  public int capacity() {
    return capacity;
  }

  @Override
  public void onStart(Context parent, ReadWriteSpan span) {
  }

  @Override
  public boolean isStartRequired() {
    return false;
  }

  @Override
  public void onEnd(ReadableSpan span) {
    if (capacity == 0) {
      return;
    }
    Kept kept = Kept.of(span.toSpanData()); // the span data itself is dropped here, young
    synchronized (spans) {
      if (spans.size() >= capacity) {
        spans.removeFirst();
      }
      spans.addLast(kept);
    }
  }

  @Override
  public boolean isEndRequired() {
    return true;
  }

  @Override
  public CompletableResultCode shutdown() {
    return CompletableResultCode.ofSuccess();
  }

  /** The ids of the traces in which a span of this JVM names the order. */
  public Set<String> tracesOfOrder(String orderId) {
    Set<String> traces = new HashSet<>();
    synchronized (spans) {
      for (Kept s : spans) {
        if (orderId.equals(s.orderId())) {
          traces.add(s.traceId());
        }
      }
    }
    return traces;
  }

  /** This JVM's spans of those traces, oldest first. */
  public JsonArray spansOf(Collection<String> traceIds) {
    Set<String> wanted = new HashSet<>(traceIds);
    List<Kept> found = new ArrayList<>();
    synchronized (spans) {
      for (Kept s : spans) {
        if (wanted.contains(s.traceId())) {
          found.add(s);
        }
      }
    }
    return new JsonArray(found.stream().map(s -> (Object) kept(s)).toList());
  }

  private JsonObject kept(Kept s) {
    String destination = s.destination();
    String service = s.service();
    String name = s.name();
    if (destination != null) {
      int at = destination.indexOf('@'); // an instance's own address (per-instance routing): the address is before
      destination = at < 0 ? destination : destination.substring(0, at);
      name = s.name() + " " + destination; // send inventory.reserve
      service = service != null ? service : serviceOf(destination, s.kind() == SpanKind.SERVER);
    } else if (s.path() != null) {
      name = s.name() + " " + s.path(); // POST /api/orders
      service = service != null ? service : "web";
    } else if (s.db() != null) {
      name = "SQL " + (s.statement() == null ? s.name() : firstWords(s.statement()));
      service = service != null ? service : s.db();
    }
    return new JsonObject()
        .put("traceId", s.traceId())
        .put("spanId", s.spanId())
        .put("parentId", s.parentId())
        .put("name", name)
        .put("kind", s.kind().name())
        .put("service", service == null ? "?" : service)
        .put("node", node)
        .put("startMicros", s.startEpochNanos() / 1000)
        .put("durationMicros", (s.endEpochNanos() - s.startEpochNanos()) / 1000)
        .put("error", s.error())
        .put("orderId", s.orderId());
  }

  /**
   * The service a span on the event bus belongs to: the address's first part names the service
   * that consumes it ({@code inventory.reserve}); a request is sent by its caller, whose service the
   * address doesn't say, so a client span is named after where it goes ({@code → inventory}).
   */
  private static String serviceOf(String address, boolean server) {
    int dot = address.indexOf('.');
    String service = dot < 0 ? address : address.substring(0, dot);
    return server ? service : "→ " + service;
  }

  private static String firstWords(String statement) {
    String flat = statement.replaceAll("\\s+", " ").trim();
    return flat.length() <= 60 ? flat : flat.substring(0, 57) + "...";
  }
}
