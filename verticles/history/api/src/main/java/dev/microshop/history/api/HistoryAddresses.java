package dev.microshop.history.api;

/** The event-bus addresses of the order-history view. */
public final class HistoryAddresses {

  public static final String SERVICE = "history";

  /** {@code {customerId}} → {@code {orders: [...]}}: the customer's orders, newest first, each with
   *  its lines, total, timeline (every milestone with its time) and shipment with tracking. */
  public static final String ORDERS_OF_CUSTOMER = "history.orders-of-customer";
  /** {@code {}} → {@code {orders: [...]}}: the whole view, in a stable order (comparisons, operators). */
  public static final String ALL = "history.all";
  /** Admin command {@code {}} → {@code {rebuilding: true}}: drops the view and reads every event again from position zero. */
  public static final String REBUILD = "history.rebuild";
  public static final String HEALTH = "history.health";

  private HistoryAddresses() {
  }
}
