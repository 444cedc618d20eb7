package dev.microshop.common.tracing;

import io.opentelemetry.api.common.AttributeKey;
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
 * the oldest dropped first (each its ids, times, name and attributes; its size not measured). Kept as the SDK
 * ends them; turned into the waterfall's few fields only when asked. Thread-safe (spans end on any thread).
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
  private final ArrayDeque<SpanData> spans = new ArrayDeque<>();

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
    SpanData kept = span.toSpanData();
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
      for (SpanData s : spans) {
        if (orderId.equals(s.getAttributes().get(ORDER_ID))) {
          traces.add(s.getTraceId());
        }
      }
    }
    return traces;
  }

  /** This JVM's spans of those traces, oldest first. */
  public JsonArray spansOf(Collection<String> traceIds) {
    Set<String> wanted = new HashSet<>(traceIds);
    List<SpanData> found = new ArrayList<>();
    synchronized (spans) {
      for (SpanData s : spans) {
        if (wanted.contains(s.getTraceId())) {
          found.add(s);
        }
      }
    }
    return new JsonArray(found.stream().map(s -> (Object) kept(s)).toList());
  }

  private JsonObject kept(SpanData s) {
    String destination = s.getAttributes().get(DESTINATION);
    String path = s.getAttributes().get(URL_PATH);
    String db = s.getAttributes().get(DB_NAMESPACE);
    String service = s.getAttributes().get(SERVICE);
    String name = s.getName();
    if (destination != null) {
      int at = destination.indexOf('@'); // an instance's own address (per-instance routing): the address is before
      destination = at < 0 ? destination : destination.substring(0, at);
      name = s.getName() + " " + destination; // send inventory.reserve
      service = service != null ? service : serviceOf(destination, s.getKind() == io.opentelemetry.api.trace.SpanKind.SERVER);
    } else if (path != null) {
      name = s.getName() + " " + path; // POST /api/orders
      service = service != null ? service : "web";
    } else if (db != null) {
      String statement = s.getAttributes().get(DB_STATEMENT);
      name = "SQL " + (statement == null ? s.getName() : firstWords(statement));
      service = service != null ? service : db;
    }
    Long status = s.getAttributes().get(HTTP_STATUS);
    return new JsonObject()
        .put("traceId", s.getTraceId())
        .put("spanId", s.getSpanId())
        .put("parentId", s.getParentSpanContext().isValid() ? s.getParentSpanId() : null)
        .put("name", name)
        .put("kind", s.getKind().name())
        .put("service", service == null ? "?" : service)
        .put("node", node)
        .put("startMicros", s.getStartEpochNanos() / 1000)
        .put("durationMicros", (s.getEndEpochNanos() - s.getStartEpochNanos()) / 1000)
        .put("error", s.getStatus().getStatusCode() == StatusCode.ERROR || (status != null && status >= 500))
        .put("orderId", s.getAttributes().get(ORDER_ID));
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
