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
import io.opentelemetry.sdk.trace.SdkTracerProvider;
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
 *
 * <p>Settings, from the environment or system properties (read once, when the first Vert.x of the JVM is built):
 * {@code MICROSHOP_TRACING} {@code on} or {@code off} (default: off until its cost under load is measured;
 * with it on, a rolling restart under an order storm on a slow 2-core run backed up past the order
 * service's admission bound); {@code MICROSHOP_TRACING_SAMPLE_RATIO}, the
 * share of new traces recorded (default 1.0: every order; a trace begun elsewhere follows its parent's
 * decision); {@code MICROSHOP_TRACING_BUFFER_SPANS}, how many ended spans each JVM keeps (default 10,000,
 * some 300 orders of the all-in-one shop, which makes 31 spans of one; the oldest are dropped first;
 * the memory per span is not measured yet). Requests that are not the API's (the store front's files,
 * /health, /metrics) start no trace.
 */
public final class Tracing {

  private static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
  private static Settings settings;
  private static OpenTelemetry openTelemetry = OpenTelemetry.noop();
  private static RecentSpans recent = new RecentSpans(0, node());

  /** What the environment asks for. */
  public record Settings(boolean enabled, double sampleRatio, int bufferSpans) {
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
      return new Settings("on".equalsIgnoreCase(on), ratio, buffer);
    }

    private static String value(Map<String, String> env, String variable, String property, String fallback) {
      String v = System.getProperty(property, env.get(variable));
      return v == null || v.isBlank() ? fallback : v.trim();
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
        openTelemetry = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder()
                .setSampler(Sampler.parentBased(new ApiOnly(Sampler.traceIdRatioBased(settings.sampleRatio()))))
                .addSpanProcessor(recent)
                .build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
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
    return started.andThen(done -> {
      if (done.failed()) {
        span.setStatus(StatusCode.ERROR, String.valueOf(done.cause().getMessage()));
      }
      span.end();
    });
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
