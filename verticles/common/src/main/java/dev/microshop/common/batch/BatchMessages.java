package dev.microshop.common.batch;

import dev.microshop.common.failure.ServiceException;
import dev.microshop.common.json.Input;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The wire form of a batch of commands, {@code {commands: [...], traceparents: [...]}}, and of its
 * answer, {@code {results: [...]}}: one result per command, in the same order. {@code traceparents}
 * (only when some command is traced) holds each command's W3C traceparent or null, in the commands'
 * order: the trace of the order each command is for, which the batch's own message (in one trace) can't carry.
 */
public final class BatchMessages {

  /** A W3C traceparent: version, trace id, parent span id, flags. */
  private static final java.util.regex.Pattern TRACEPARENT = java.util.regex.Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");

  /** Commands in one batch, at most. */
  public static final int MAX_COMMANDS = 256;

  private BatchMessages() {
  }

  public static <C> JsonObject commands(List<C> commands, Function<C, JsonObject> toJson) {
    return new JsonObject().put("commands", new JsonArray(commands.stream().map(toJson).toList()));
  }

  /** The commands and, when any is traced, each one's traceparent (null: not traced), in the same order. */
  public static <C> JsonObject commands(List<C> commands, Function<C, JsonObject> toJson, List<String> traceParents) {
    JsonObject batch = commands(commands, toJson);
    if (traceParents.stream().anyMatch(java.util.Objects::nonNull)) {
      batch.put("traceparents", new JsonArray(new ArrayList<>(traceParents)));
    }
    return batch;
  }

  /**
   * Each command's traceparent (null where it has none; all null without {@code traceparents}), for a
   * batch already read by {@link #commands(JsonObject, Function)}; 400 when it is not an array of as many
   * traceparents or nulls as there are commands.
   */
  public static List<String> traceParents(JsonObject body) {
    int count = body.getJsonArray("commands").size();
    Object value = body.getValue("traceparents");
    if (value == null) {
      return java.util.Collections.nCopies(count, null);
    }
    if (!(value instanceof JsonArray array) || array.size() != count) {
      throw ServiceException.badRequest("traceparents must be an array of one traceparent or null per command");
    }
    List<String> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      Object tp = array.getValue(i);
      if (tp != null && !(tp instanceof String s && TRACEPARENT.matcher(s).matches())) {
        throw ServiceException.badRequest("traceparents[" + i + "] must be a W3C traceparent or null");
      }
      out.add((String) tp);
    }
    return out;
  }

  /** The commands of a batch, each read by {@code fromJson}; 400 when there are none, more than {@link #MAX_COMMANDS}, or one is bad. */
  public static <C> List<C> commands(JsonObject body, Function<JsonObject, C> fromJson) {
    Input.of(body).only("commands", "traceparents");
    Object value = body.getValue("commands");
    if (!(value instanceof JsonArray array) || array.isEmpty() || array.size() > MAX_COMMANDS) {
      throw ServiceException.badRequest("commands must be an array of 1 to " + MAX_COMMANDS + " commands");
    }
    List<C> out = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof JsonObject command)) {
        throw ServiceException.badRequest("commands[" + i + "] must be an object");
      }
      try {
        out.add(fromJson.apply(command));
      } catch (ServiceException e) {
        throw ServiceException.badRequest("commands[" + i + "]: " + e.getMessage());
      }
    }
    return out;
  }

  public static <R> JsonObject results(List<R> results, Function<R, JsonObject> toJson) {
    return new JsonObject().put("results", new JsonArray(results.stream().map(toJson).toList()));
  }

  /** The results of a batch of {@code sent} commands; an answer with another count is refused (IllegalStateException). */
  public static <R> List<R> results(JsonObject body, int sent, Function<JsonObject, R> fromJson) {
    JsonArray array = body.getJsonArray("results");
    if (array == null || array.size() != sent) {
      throw new IllegalStateException((array == null ? "no" : array.size()) + " results for a batch of " + sent);
    }
    List<R> out = new ArrayList<>(sent);
    for (int i = 0; i < sent; i++) {
      out.add(fromJson.apply(array.getJsonObject(i)));
    }
    return out;
  }
}
