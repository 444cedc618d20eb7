package dev.microshop.common.eventlog;

/** Every service's event log is served on the event bus under these addresses. */
public final class EventLogAddresses {

  private EventLogAddresses() {
  }

  /** Query {@code {afterTx, afterPosition, limit}} → {@code {events: [...]}} in (tx, position) order. */
  public static String read(String producer) {
    return producer + ".events";
  }

  /** Query {@code {afterTx?, afterPosition?}} → {@code {head, events, pending?}}. */
  public static String head(String producer) {
    return producer + ".events-head";
  }

  /** Published (no reply) after a transaction that wrote events committed: a wake-up, not a delivery. */
  public static String notify(String producer) {
    return producer + ".events-written";
  }

  /** Query {@code {}} → {@code {consumer, producers: [{producer, head, position, pending}]}}. */
  public static String lag(String consumer) {
    return consumer + ".event-lag";
  }
}
