package dev.microshop.order.api;

/** The event-bus addresses of the order service. Bodies are JSON. */
public final class OrderAddresses {

  public static final String SERVICE = "order";

  /** {@link PlaceOrder} → {@code {orderId, status: "PENDING"}}: stored at once, the saga runs after.
   *  The same (customer, idempotency key) and lines → the same answer; other lines → 422. */
  public static final String PLACE = "order.place";
  /** {@code {orderId, customerId?}} → the order with its timeline; 404 when unknown or another customer's. */
  public static final String GET = "order.get";
  /** {@code {orderId, customerId}} → the order after its cancellation; 409 unless approved and not shipped. */
  public static final String CANCEL = "order.cancel";
  /** {@code {status?, customerId?, limit?, offset?}} → {@code {orders: [...]}} (admins, invariant checks). */
  public static final String LIST = "order.list";
  /**
   * {@code {recent?, since?, counts?}} → {@code {byStatus: {STATUS: n}, total, recent?}} (the operator dashboard).
   * With {@code recent: true}, {@code recent} is {@code {since, until, placed, approved, rejected,
   * cancelled, approvalMs: {p50, p99}}}: the milestones from {@code since} (an instant within the last
   * hour; default 5 s ago) to {@code until} (now, by the order database's clock; the next call's
   * {@code since}), the approval time from placement, null when none was approved. With {@code counts:
   * false}, no {@code byStatus} and {@code total}: they count every order ever placed, a scan that
   * grows with the shop, which a caller sampling only {@code recent} should not pay for.
   */
  public static final String STATS = "order.stats";
  public static final String HEALTH = "order.health";

  private OrderAddresses() {
  }
}
