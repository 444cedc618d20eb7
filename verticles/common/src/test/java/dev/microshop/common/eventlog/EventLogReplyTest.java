package dev.microshop.common.eventlog;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The reply to a read of the log ({@link EventLog#reply}): its events as they were read in this JVM, their JSON on the wire. */
class EventLogReplyTest {

  private final Vertx vertx = Vertx.vertx();

  private final List<Event> events = List.of(
      new Event(7, 1001, UUID.randomUUID(), "order.placed", "o-1", OffsetDateTime.of(2026, 12, 7, 0, 30, 1, 123_456_000,
          ZoneOffset.UTC), 1, new JsonObject().put("lines", new JsonArray().add(new JsonObject().put("sku", "MUG-CLASSIC")
          .put("quantity", 2))), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
      new Event(8, 1001, UUID.randomUUID(), "order.approved", "o-1", OffsetDateTime.of(2026, 12, 7, 0, 30, 2, 0,
          ZoneOffset.UTC), 1, new JsonObject().put("total", "9.80"), null));

  @AfterEach
  void close() throws Exception {
    await(vertx.close());
  }

  @Test
  @DisplayName("a reader in the same JVM gets the very events the producer read: the event bus copies nothing, no JSON between")
  void sameJvmTakesTheEventsAsRead() throws Exception {
    vertx.eventBus().<JsonObject>consumer("alpha.events", m -> m.reply(EventLog.reply(events)));
    JsonObject reply = await(vertx.eventBus().<JsonObject>request("alpha.events", new JsonObject())).body();
    List<Event> read = EventLog.events(reply);
    assertThat(read).hasSize(2);
    assertThat(read.get(0)).isSameAs(events.get(0));
    assertThat(read.get(1)).isSameAs(events.get(1));
  }

  @Test
  @DisplayName("on the wire the reply is the JSON array of the events, as before, and a reader there reads them back equal")
  void wireFormIsTheEventsJson() {
    JsonObject reply = EventLog.reply(events);
    Buffer wire = reply.toBuffer(); // what the event bus's JsonObject codec sends to another JVM
    JsonObject received = new JsonObject(wire);
    assertThat(received).isEqualTo(new JsonObject().put("events", new JsonArray(events.stream().map(e -> (Object) e.toJson()).toList())));
    assertThat(EventLog.events(received)).isEqualTo(events);
    assertThat(EventLog.events(received).get(0)).isNotSameAs(events.get(0));
  }
}
