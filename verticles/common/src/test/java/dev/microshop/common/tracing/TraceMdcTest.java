package dev.microshop.common.tracing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

class TraceMdcTest {

  @Test
  @DisplayName("a line logged within a span carries its trace_id, span_id and order_id; the next line outside any span carries none")
  void idsOfTheCurrentSpan() throws Exception {
    LoggerContext logging = new LoggerContext();
    logging.setMDCAdapter(MDC.getMDCAdapter());
    logging.addTurboFilter(new TraceMdc());
    List<Map<String, String>> lines = new CopyOnWriteArrayList<>();
    AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
      @Override
      protected void append(ILoggingEvent line) { // each line's MDC as it is written, as an encoder reads it
        lines.add(Map.copyOf(line.getMDCPropertyMap()));
      }
    };
    appender.setContext(logging);
    appender.start();
    Logger log = logging.getLogger("test");
    log.setLevel(Level.INFO);
    log.addAppender(appender);
    SdkTracerProvider tracing = SdkTracerProvider.builder().addSpanProcessor(new RecentSpans(10, "test")).build();
    Vertx vertx = Vertx.vertx();
    try {
      Span[] step = new Span[1];
      Promise<Void> done = Promise.promise();
      vertx.runOnContext(v -> { // as a saga step runs: on a Vert.x context, the span made current
        step[0] = tracing.get("test").spanBuilder("saga reserve-stock").setAttribute("order.id", "order-7").startSpan();
        try (Scope scope = step[0].makeCurrent()) {
          log.debug("not logged: leaves the MDC alone");
          log.info("within the step");
        }
        step[0].end();
        log.info("after it");
        done.complete();
      });
      await(done.future());
      assertThat(lines).hasSize(2);
      Map<String, String> within = lines.get(0);
      assertThat(within).containsEntry("trace_id", step[0].getSpanContext().getTraceId())
          .containsEntry("span_id", step[0].getSpanContext().getSpanId())
          .containsEntry("order_id", "order-7");
      assertThat(lines.get(1)).doesNotContainKeys("trace_id", "span_id", "order_id");
    } finally {
      tracing.close();
      await(vertx.close());
      logging.stop();
    }
  }
}
