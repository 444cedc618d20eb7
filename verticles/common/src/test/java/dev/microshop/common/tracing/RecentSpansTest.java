package dev.microshop.common.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class RecentSpansTest {

  @Test
  @DisplayName("keeps the last spans up to its capacity (the oldest dropped first), finds an order's traces, names each span's service (an instance's own address by the address it is for)")
  void boundedAndSearchable() {
    RecentSpans recent = new RecentSpans(3, "host:1");
    Tracer tracer = SdkTracerProvider.builder().addSpanProcessor(recent).build().get("test");
    Span root = tracer.spanBuilder("POST").setSpanKind(SpanKind.SERVER).setAttribute("url.path", "/api/orders").startSpan();
    Context inRoot = Context.root().with(root);
    Span step = tracer.spanBuilder("saga reserve-stock").setParent(inRoot).setAttribute("order.id", "o-1").startSpan();
    Span served = tracer.spanBuilder("send").setParent(Context.root().with(step)).setSpanKind(SpanKind.SERVER)
        .setAttribute("messaging.destination.name", "inventory.reserve@9f1c").startSpan(); // an instance's own address
    Span sql = tracer.spanBuilder("Query").setParent(Context.root().with(served)).setSpanKind(SpanKind.CLIENT)
        .setAttribute("db.namespace", "inventory").setAttribute("db.query.text", "UPDATE product SET reserved = reserved + $2").startSpan();
    for (Span s : List.of(sql, served, step, root)) {
      s.end();
    }
    String trace = root.getSpanContext().getTraceId();
    assertThat(recent.tracesOfOrder("o-1")).containsExactly(trace);
    JsonArray kept = recent.spansOf(List.of(trace));
    assertThat(kept).hasSize(3); // the SQL span, ended first, was dropped
    assertThat(kept.stream().map(JsonObject.class::cast).map(s -> s.getString("name")))
        .containsExactly("send inventory.reserve", "saga reserve-stock", "POST /api/orders");
    assertThat(kept.stream().map(JsonObject.class::cast).map(s -> s.getString("service")))
        .containsExactly("inventory", "?", "web");
    assertThat(kept.getJsonObject(2).getString("parentId")).isNull();
    assertThat(kept.getJsonObject(0).getString("parentId")).isEqualTo(step.getSpanContext().getSpanId());
    assertThat(kept.getJsonObject(0).getString("node")).isEqualTo("host:1");

    for (int i = 0; i < 2; i++) {
      tracer.spanBuilder("GET").setAttribute("url.path", "/api/products").startSpan().end();
    }
    assertThat(recent.tracesOfOrder("o-1")).as("two spans later, the order's saga span is gone too").isEmpty();
  }

  @Test
  @DisplayName("marks a span failed by its error status or an HTTP status of 500 or more, and keeps its times")
  void errorsAndTimes() {
    RecentSpans recent = new RecentSpans(10, "host:1");
    Tracer tracer = SdkTracerProvider.builder().addSpanProcessor(recent).build().get("test");
    Span root = tracer.spanBuilder("POST").setSpanKind(SpanKind.SERVER).setAttribute("url.path", "/api/orders")
        .setStartTimestamp(1_000_000_000_000_000L, TimeUnit.NANOSECONDS).startSpan();
    Span step = tracer.spanBuilder("saga reserve-stock").setParent(Context.root().with(root)).setAttribute("order.id", "o-2").startSpan();
    step.setStatus(StatusCode.ERROR, "no stock");
    step.end();
    Span fine = tracer.spanBuilder("GET").setParent(Context.root().with(root)).setAttribute("url.path", "/api/products")
        .setAttribute("http.response.status_code", 404L).startSpan();
    fine.end();
    Span unavailable = tracer.spanBuilder("GET").setParent(Context.root().with(root)).setAttribute("url.path", "/api/orders/o-2")
        .setAttribute("http.response.status_code", 503L).startSpan();
    unavailable.end();
    root.end(1_000_000_002_500_000L, TimeUnit.NANOSECONDS);
    JsonArray kept = recent.spansOf(List.of(root.getSpanContext().getTraceId()));
    assertThat(kept.stream().map(JsonObject.class::cast).map(s -> s.getBoolean("error")))
        .containsExactly(true, false, true, false);
    assertThat(kept.getJsonObject(3).getLong("startMicros")).isEqualTo(1_000_000_000_000L);
    assertThat(kept.getJsonObject(3).getLong("durationMicros")).isEqualTo(2_500L);
  }
}
