package dev.microshop.common.tracing;

import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The OTLP export the standard OTEL_EXPORTER_OTLP_* variables ask for, against a collector stand-in on loopback. */
class OtlpExportTest {

  private record Received(String path, MultiMap headers, Buffer body) {
  }

  private static Vertx vertx;
  private static HttpServer collector;
  private static final List<Received> RECEIVED = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void collector() throws Exception {
    vertx = Vertx.vertx();
    collector = await(vertx.createHttpServer()
        .requestHandler(req -> req.body().onSuccess(body -> {
          RECEIVED.add(new Received(req.path(), req.headers(), body));
          req.response().putHeader("Content-Type", "application/x-protobuf").end(); // an empty ExportTraceServiceResponse
        }))
        .listen(0, "127.0.0.1"));
  }

  @AfterAll
  static void close() throws Exception {
    await(vertx.close());
  }

  @Test
  @DisplayName("OTEL_EXPORTER_OTLP_ENDPOINT and _HEADERS: each span is posted as protobuf to <endpoint>/v1/traces with the headers, under OTEL_SERVICE_NAME")
  void exportsToTheEndpoint() throws Exception {
    Tracing.Settings settings = Tracing.Settings.from(Map.of("MICROSHOP_TRACING", "on",
        "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + collector.actualPort() + "/",
        "OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20t0ken, x-tenant=shop",
        "OTEL_SERVICE_NAME", "inventory-eu"));
    assertThat(settings.otlpEndpoint()).isEqualTo("http://127.0.0.1:" + collector.actualPort() + "/v1/traces");
    SpanExporter exporter = settings.otlpExporter();
    SdkTracerProvider provider = SdkTracerProvider.builder().setResource(settings.resource())
        .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
    try {
      provider.get("test").spanBuilder("saga reserve-stock").setAttribute("order.id", "order-42").startSpan().end();
      assertThat(provider.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).as("exported").isTrue();
    } finally {
      provider.shutdown().join(10, TimeUnit.SECONDS);
    }
    assertThat(RECEIVED).hasSize(1);
    Received post = RECEIVED.get(0);
    assertThat(post.path()).isEqualTo("/v1/traces");
    assertThat(post.headers().get("Content-Type")).isEqualTo("application/x-protobuf");
    assertThat(post.headers().get("authorization")).as("decoded as the spec says").isEqualTo("Bearer t0ken");
    assertThat(post.headers().get("x-tenant")).isEqualTo("shop");
    // protobuf keeps strings as they are: the span's name, its attribute and the resource's service
    String body = post.body().toString(StandardCharsets.UTF_8);
    assertThat(body).contains("saga reserve-stock", "order-42", "service.name", "inventory-eu", "service.instance.id");
  }

  @Test
  @DisplayName("the traces endpoint wins over the base one; no endpoint or no tracing, no exporter; gRPC and malformed headers are refused by name, unless nothing is exported")
  void settings() {
    assertThat(Tracing.Settings.from(Map.of("MICROSHOP_TRACING", "on", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://other:4318/custom")).otlpEndpoint()).isEqualTo("http://other:4318/custom");
    Tracing.Settings none = Tracing.Settings.from(Map.of("MICROSHOP_TRACING", "on"));
    assertThat(none.otlpEndpoint()).isNull();
    assertThat(none.otlpExporter()).isNull();
    Map<String, String> grpc = Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317", "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc",
        "OTEL_EXPORTER_OTLP_HEADERS", "no-value");
    Tracing.Settings off = Tracing.Settings.from(grpc);
    assertThat(off.enabled()).isFalse();
    assertThat(off.otlpExporter()).as("tracing off: nothing exported, whatever OTEL_* says").isNull();
    assertThatThrownBy(() -> Tracing.Settings.from(Map.of("MICROSHOP_TRACING", "on", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317",
        "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http/protobuf");
    assertThatThrownBy(() -> Tracing.Settings.from(Map.of("MICROSHOP_TRACING", "on", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318",
        "OTEL_EXPORTER_OTLP_HEADERS", "no-value"))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key=value");
  }
}
