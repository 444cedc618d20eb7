package dev.microshop.common.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import io.vertx.core.Future;
import io.vertx.core.VertxBuilder;
import io.vertx.tracing.opentelemetry.OpenTelemetryTracingFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Distributed tracing, one per JVM: the OpenTelemetry SDK behind Vert.x's tracing SPI
 * (vertx-opentelemetry), so HTTP requests, event-bus messages (across the cluster: the W3C
 * {@code traceparent} travels in the message's headers) and SQL (vertx-pg-client) report spans,
 * and the saga's steps add their own with the order's id. Every JVM keeps the spans it ended last
 * in memory ({@link RecentSpans}); the web gathers one order's from all of them ({@link TraceCollector}).
 * With an OTLP endpoint set ({@link Settings}), the spans are also exported to that collector.
 *
 * <p>Settings, from the environment or system properties (read once, when the first Vert.x of the JVM is built):
 * {@code MICROSHOP_TRACING} {@code on} or {@code off} (default: off; scripts/bench.sh measures its cost on two
 * shops side by side, every trace sampled: 0.934 x the orders approved per second in the full run of 6 Dec 2026,
 * in docs/configuration.md); {@code MICROSHOP_TRACING_SAMPLE_RATIO}, the share of new traces recorded (default 1.0:
 * every order; a trace begun elsewhere follows its parent's decision); {@code MICROSHOP_TRACING_BUFFER_SPANS}, how
 * many ended spans each JVM keeps (default 10,000, some 180 orders of the all-in-one shop, which makes 56 spans of one
 * through its delivery; the oldest are dropped first; about 0.4 KB a span: a traced all-in-one's live heap after the
 * order load, 22.6 MB with 10,000 kept, 18.8 MB with none). Requests that are not the API's (the store front's
 * files, /health, /metrics) start no trace.
 */
public final class Tracing {

  private static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
  private static Settings settings;
  private static OpenTelemetry openTelemetry = OpenTelemetry.noop();
  private static RecentSpans recent = new RecentSpans(0, node());
  /** Whether this JVM traces, read without a lock on the paths every request takes. */
  private static volatile boolean on;

  /**
   * What the environment asks for. The OTLP export follows OpenTelemetry's own variables (or their
   * {@code otel.*} system properties): {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}, the URL spans are
   * posted to, else {@code OTEL_EXPORTER_OTLP_ENDPOINT} with {@code /v1/traces} after it;
   * {@code OTEL_EXPORTER_OTLP_HEADERS} ({@code key=value,...}); {@code OTEL_EXPORTER_OTLP_PROTOCOL},
   * {@code http/protobuf} only; {@code OTEL_SERVICE_NAME} (default: the JVM's service). No endpoint,
   * no export.
   */
  public record Settings(boolean enabled, double sampleRatio, int bufferSpans, String otlpEndpoint,
                         Map<String, String> otlpHeaders, String serviceName) {
    static Settings from(Map<String, String> env) {
      String on = value(env, "MICROSHOP_TRACING", "microshop.tracing", "off");
      double ratio = Double.parseDouble(value(env, "MICROSHOP_TRACING_SAMPLE_RATIO", "microshop.tracing.sample-ratio", "1.0"));
      int buffer = Integer.parseInt(value(env, "MICROSHOP_TRACING_BUFFER_SPANS", "microshop.tracing.buffer-spans", "10000"));
      if (ratio < 0 || ratio > 1) {
        throw new IllegalArgumentException("MICROSHOP_TRACING_SAMPLE_RATIO must be between 0 and 1, not " + ratio);
      }
      if (buffer < 0) {
        throw new IllegalArgumentException("MICROSHOP_TRACING_BUFFER_SPANS must be 0 or more, not " + buffer);
      }
      String base = value(env, "OTEL_EXPORTER_OTLP_ENDPOINT", "otel.exporter.otlp.endpoint", null);
      String endpoint = value(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "otel.exporter.otlp.traces.endpoint",
          base == null ? null : base.replaceAll("/+$", "") + "/v1/traces");
      boolean enabled = "on".equalsIgnoreCase(on);
      // the rest only matters to an export: OTEL_* variables meant for other programs don't stop a JVM that doesn't trace
      Map<String, String> headers = new java.util.LinkedHashMap<>();
      if (enabled && endpoint != null) {
        String protocol = value(env, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "otel.exporter.otlp.traces.protocol",
            value(env, "OTEL_EXPORTER_OTLP_PROTOCOL", "otel.exporter.otlp.protocol", "http/protobuf"));
        if (!protocol.equals("http/protobuf")) {
          throw new IllegalArgumentException("OTEL_EXPORTER_OTLP_PROTOCOL " + protocol
              + " is not supported: the shop exports OTLP over http/protobuf (a collector's port 4318)");
        }
        String headerList = value(env, "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "otel.exporter.otlp.traces.headers",
            value(env, "OTEL_EXPORTER_OTLP_HEADERS", "otel.exporter.otlp.headers", ""));
        for (String pair : headerList.split(",")) {
          int eq = pair.indexOf('=');
          if (pair.isBlank()) {
            continue;
          }
          if (eq <= 0) {
            throw new IllegalArgumentException("OTEL_EXPORTER_OTLP_HEADERS must be key=value pairs separated by commas, not " + pair);
          }
          headers.put(pair.substring(0, eq).trim(),
              java.net.URLDecoder.decode(pair.substring(eq + 1).trim(), java.nio.charset.StandardCharsets.UTF_8));
        }
      }
      String service = value(env, "OTEL_SERVICE_NAME", "otel.service.name", System.getProperty("microshop.service", "microshop"));
      return new Settings(enabled, ratio, buffer, enabled ? endpoint : null, Map.copyOf(headers), service);
    }

    private static String value(Map<String, String> env, String variable, String property, String fallback) {
      String v = System.getProperty(property, env.get(variable));
      return v == null || v.isBlank() ? fallback : v.trim();
    }

    /** The OTLP exporter the settings ask for, or null when no endpoint is set. */
    SpanExporter otlpExporter() {
      if (otlpEndpoint == null) {
        return null;
      }
      OtlpHttpSpanExporterBuilder exporter = OtlpHttpSpanExporter.builder().setEndpoint(otlpEndpoint);
      otlpHeaders.forEach(exporter::addHeader);
      return exporter.build();
    }

    /** What the exported spans say about where they come from: the service, the JVM. */
    Resource resource() {
      return Resource.getDefault().merge(Resource.create(Attributes.of(
          AttributeKey.stringKey("service.name"), serviceName,
          AttributeKey.stringKey("service.instance.id"), node())));
    }
  }

  private Tracing() {
  }

  /** The builder with this JVM's tracer when tracing is on (the SDK is built once per JVM). */
  public static synchronized VertxBuilder apply(VertxBuilder builder) {
    if (settings == null) {
      settings = Settings.from(System.getenv());
      if (settings.enabled()) {
        recent = new RecentSpans(settings.bufferSpans(), node());
        SdkTracerProviderBuilder provider = SdkTracerProvider.builder()
            .setResource(settings.resource())
            .setSampler(Sampler.parentBased(new ApiOnly(Sampler.traceIdRatioBased(settings.sampleRatio()))))
            .addSpanProcessor(recent);
        SpanExporter otlp = settings.otlpExporter();
        if (otlp != null) {
          // batched, in the background: a collector that is slow or away drops spans, it never holds a request
          provider.addSpanProcessor(BatchSpanProcessor.builder(otlp).build());
        }
        openTelemetry = OpenTelemetrySdk.builder()
            .setTracerProvider(provider.build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
        on = true;
      }
    }
    return settings.enabled() ? builder.withTracer(new OpenTelemetryTracingFactory(openTelemetry)) : builder;
  }

  /** Whether this JVM traces (known once its first Vert.x is built). */
  public static synchronized boolean enabled() {
    return settings != null && settings.enabled();
  }

  public static Tracer tracer() {
    return openTelemetry.getTracer("microshop");
  }

  public static RecentSpans recent() {
    return recent;
  }

  /** The W3C traceparent of the span current on this thread; null when there is none (tracing off, not sampled). */
  public static String traceParent() {
    Span span = Span.current();
    if (!span.getSpanContext().isValid()) {
      return null;
    }
    Map<String, String> carrier = new HashMap<>();
    W3CTraceContextPropagator.getInstance().inject(Context.current(), carrier, Map::put);
    return carrier.get("traceparent");
  }

  /**
   * Runs {@code work} in {@code span}: the span is current while the work starts (so its first
   * statement or request is a child of it) and ends when the work's future completes, with an error
   * status when it failed. For work that runs apart from a request: a saga step, an event applied,
   * the courier.
   */
  public static <T> Future<T> within(Span span, Supplier<Future<T>> work) {
    Future<T> started;
    try (Scope scope = span.makeCurrent()) {
      started = work.get();
    } catch (RuntimeException e) {
      started = Future.failedFuture(e);
    }
    return started.andThen(done -> ended(span, done));
  }

  /**
   * Runs {@code work} in the trace of {@code traceParent}: the request or statement it starts is a child
   * of that span (none: of no span, a trace of its own if sampled), whatever span is current now. For work
   * sent for one item that waited among others' (a saga step sent from another's completion).
   */
  public static <T> Future<T> inTrace(String traceParent, Supplier<Future<T>> work) {
    if (!on) {
      return work.get();
    }
    try (Scope scope = parent(traceParent).makeCurrent()) {
      return work.get();
    }
  }

  /**
   * Runs {@code work}, done for several items at once (a participant's batch of saga commands), with a
   * span of {@code name} in each item's trace: a child of the item's {@code traceParents} entry (none: no
   * span), with its {@code orderIds} entry and a link to the span current now (the batch's own, in the
   * trace of the item that sent it). So each order's waterfall shows the participant's work for it, batched
   * or not. The spans end when the work's future completes, with an error status when it failed.
   */
  public static <T> Future<T> forEach(String name, String service, List<String> traceParents, List<String> orderIds,
                                      Supplier<Future<T>> work) {
    if (!on || traceParents.stream().allMatch(java.util.Objects::isNull)) {
      return work.get();
    }
    io.opentelemetry.api.trace.SpanContext batch = Span.current().getSpanContext();
    List<Span> spans = new java.util.ArrayList<>(traceParents.size());
    for (int i = 0; i < traceParents.size(); i++) {
      if (traceParents.get(i) != null) {
        io.opentelemetry.api.trace.SpanBuilder builder = tracer().spanBuilder(name)
            .setParent(parent(traceParents.get(i)))
            .setAttribute(RecentSpans.ORDER_ID, orderIds.get(i))
            .setAttribute("microshop.service", service)
            .setAttribute("microshop.batch.size", (long) traceParents.size());
        if (batch.isValid()) {
          builder.addLink(batch);
        }
        spans.add(builder.startSpan());
      }
    }
    Future<T> started;
    try {
      started = work.get();
    } catch (RuntimeException e) {
      started = Future.failedFuture(e);
    }
    return started.andThen(done -> spans.forEach(span -> ended(span, done)));
  }

  private static void ended(Span span, io.vertx.core.AsyncResult<?> done) {
    if (done.failed()) {
      span.setStatus(StatusCode.ERROR, String.valueOf(done.cause().getMessage()));
    }
    span.end();
  }

  /** The context of a stored traceparent (the root context for none), to start a span as its child. */
  public static Context parent(String traceParent) {
    if (traceParent == null) {
      return Context.root();
    }
    return W3CTraceContextPropagator.getInstance().extract(Context.root(), Map.of("traceparent", traceParent), MAP);
  }

  private static final TextMapGetter<Map<String, String>> MAP = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Map<String, String> carrier) {
      return carrier.keySet();
    }

    @Override
    public String get(Map<String, String> carrier, String key) {
      return carrier == null ? null : carrier.get(key);
    }
  };

  /** This JVM in a span: its host name and process id. */
  static String node() {
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      host = "localhost";
    }
    return host + ":" + ProcessHandle.current().pid();
  }

  /** Starts no trace for what is not the API (static files, /health, /metrics); else as {@code delegate}. */
  private record ApiOnly(Sampler delegate) implements Sampler {
    @Override
    public SamplingResult shouldSample(Context parent, String traceId, String name, SpanKind kind, Attributes attributes,
                                       List<LinkData> links) {
      String path = attributes.get(URL_PATH);
      if (path != null && !path.startsWith("/api/")) {
        return SamplingResult.drop();
      }
      return delegate.shouldSample(parent, traceId, name, kind, attributes, links);
    }

    @Override
    public String getDescription() {
      return "ApiOnly{" + delegate.getDescription() + "}";
    }
  }
}
