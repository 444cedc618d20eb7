package dev.microshop.common.tracing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.sdk.trace.ReadableSpan;
import org.slf4j.MDC;
import org.slf4j.Marker;

/**
 * Puts the current span's {@code trace_id} and {@code span_id} into the MDC of every log line, and
 * {@code order_id} when that span names an order (a saga step, the courier), so that a JSON log
 * line (logback-json.xml) leads to its trace and {@code cluster.sh logs <trace id>} finds it.
 * Outside a span they are removed: a line never carries another request's ids. Logback asks a
 * turbo filter before it builds each event, on the logging thread, which is where the span is current.
 */
public final class TraceMdc extends TurboFilter {

  static final String TRACE_ID = "trace_id";
  static final String SPAN_ID = "span_id";
  static final String ORDER_ID = "order_id";

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (level == null || !level.isGreaterOrEqual(logger.getEffectiveLevel())) {
      return FilterReply.NEUTRAL; // no line (logger.isEnabledFor would ask this filter again): leave the MDC alone
    }
    Span span = Span.current();
    SpanContext context = span.getSpanContext();
    boolean traced = context.isValid();
    set(TRACE_ID, traced ? context.getTraceId() : null);
    set(SPAN_ID, traced ? context.getSpanId() : null);
    set(ORDER_ID, traced && span instanceof ReadableSpan readable ? readable.getAttribute(RecentSpans.ORDER_ID) : null);
    return FilterReply.NEUTRAL;
  }

  private static void set(String key, String value) {
    if (value == null) {
      MDC.remove(key);
    } else {
      MDC.put(key, value);
    }
  }
}
