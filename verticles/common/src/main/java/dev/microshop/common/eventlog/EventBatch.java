package dev.microshop.common.eventlog;

import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * The events of a read of the log as its reply carries them ({@link EventLog#reply}): a list of
 * their JSON forms, made when asked for, over the events as they were read.
 *
 * <p>To another JVM it goes as any list in a {@code JsonObject} does: the JSON array of its events
 * (the wire form is what it always was). To a reader in the same JVM (the all-in-one's services
 * read each other's logs) the event bus hands it over as it is: it is {@link Shareable}, which
 * Vert.x's copy of a local message's {@code JsonObject} leaves alone, so the reader takes the very
 * events the producer read ({@link EventLog#events}), with no copy and no JSON in between. A JFR
 * profile of the all-in-one under the order load had 5.6 % of its CPU samples copying these
 * replies and 5.6 % parsing their events again (mostly their times). Nothing changes them after
 * the read: the producer lets go of them once replied.
 */
final class EventBatch extends AbstractList<JsonObject> implements Shareable, RandomAccess {

  private final List<Event> events;

  EventBatch(List<Event> events) {
    this.events = List.copyOf(events);
  }

  List<Event> events() {
    return events;
  }

  @Override
  public JsonObject get(int index) {
    return events.get(index).toJson();
  }

  @Override
  public int size() {
    return events.size();
  }
}
