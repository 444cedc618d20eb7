package dev.microshop.common.tracing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * One order's trace gathered from every JVM: a question published to {@link #ADDRESS} reaches each
 * JVM's {@link RecentSpans}, and each answers to the asker's own reply address. The asker can't know
 * how many JVMs there are, so it collects for a moment ({@code windowMs}). Two rounds: the traces in
 * which some JVM has a span naming the order (the saga's steps do), then every JVM's spans of those
 * traces (the web's HTTP span, the services' event-bus and SQL spans).
 */
public final class TraceCollector {

  public static final String ADDRESS = "microshop.tracing.spans";

  private TraceCollector() {
  }

  /**
   * Answers the questions of {@link #gather} with this JVM's spans; nothing when it doesn't trace
   * (no consumer to register in the cluster for nothing).
   */
  public static Future<Void> serve(Vertx vertx) {
    if (!Tracing.enabled()) {
      return Future.succeededFuture();
    }
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(ADDRESS, m -> {
      JsonObject q = m.body();
      String replyTo = q.getString("replyTo");
      JsonObject answer = q.containsKey("orderId")
          ? new JsonObject().put("traceIds", new JsonArray(List.copyOf(Tracing.recent().tracesOfOrder(q.getString("orderId")))))
          : new JsonObject().put("spans", Tracing.recent().spansOf(q.getJsonArray("traceIds").stream().map(String::valueOf).toList()));
      vertx.eventBus().send(replyTo, answer);
    });
    return consumer.completion();
  }

  /** {@code {orderId, traceIds, spans}}: every span of the order's traces that the JVMs still hold, oldest first. */
  public static Future<JsonObject> gather(Vertx vertx, String orderId, long windowMs) {
    return ask(vertx, new JsonObject().put("orderId", orderId), windowMs).compose(answers -> {
      Set<String> traces = new TreeSet<>();
      answers.forEach(a -> a.getJsonArray("traceIds").forEach(t -> traces.add(String.valueOf(t))));
      if (traces.isEmpty()) {
        return Future.succeededFuture(new JsonObject().put("orderId", orderId).put("traceIds", new JsonArray()).put("spans", new JsonArray()));
      }
      return ask(vertx, new JsonObject().put("traceIds", new JsonArray(List.copyOf(traces))), windowMs).map(spanAnswers -> {
        Map<String, JsonObject> bySpan = new LinkedHashMap<>(); // one JVM may answer twice (several Vert.x in a test JVM)
        spanAnswers.forEach(a -> a.getJsonArray("spans").forEach(s -> bySpan.put(((JsonObject) s).getString("spanId"), (JsonObject) s)));
        List<JsonObject> spans = new ArrayList<>(bySpan.values());
        spans.sort(java.util.Comparator.comparingLong(s -> s.getLong("startMicros")));
        return new JsonObject().put("orderId", orderId).put("traceIds", new JsonArray(List.copyOf(traces)))
            .put("spans", new JsonArray(new ArrayList<>(spans)));
      });
    });
  }

  private static Future<List<JsonObject>> ask(Vertx vertx, JsonObject question, long windowMs) {
    String replyTo = ADDRESS + ".reply." + UUID.randomUUID();
    List<JsonObject> answers = new ArrayList<>();
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(replyTo, m -> answers.add(m.body()));
    Promise<List<JsonObject>> done = Promise.promise();
    consumer.completion().onComplete(registered -> {
      vertx.eventBus().publish(ADDRESS, question.put("replyTo", replyTo));
      vertx.setTimer(windowMs, t -> consumer.unregister().onComplete(v -> done.complete(answers)));
    });
    return done.future();
  }
}
