package dev.microshop.order.api;

import java.util.Set;

/** The statuses of an order, and the timeline's milestones. */
public final class OrderStatus {

  public static final String PENDING = "PENDING";
  public static final String APPROVED = "APPROVED";
  public static final String REJECTED = "REJECTED";
  public static final String CANCELLED = "CANCELLED";
  public static final String SHIPPED = "SHIPPED";
  public static final String DELIVERED = "DELIVERED";

  /** The states in which a quiet system may leave an order. */
  public static final Set<String> SETTLED = Set.of(APPROVED, REJECTED, CANCELLED, SHIPPED, DELIVERED);

  /** Timeline milestones (besides the statuses). */
  public static final String PLACED = "PLACED";
  public static final String STOCK_RESERVED = "STOCK_RESERVED";
  public static final String CREDIT_RESERVED = "CREDIT_RESERVED";
  public static final String CREDIT_REJECTED = "CREDIT_REJECTED";
  public static final String STOCK_RELEASED = "STOCK_RELEASED";
  public static final String CREDIT_RELEASED = "CREDIT_RELEASED";
  public static final String CANCEL_REQUESTED = "CANCEL_REQUESTED";
  public static final String CANCEL_REFUSED = "CANCEL_REFUSED";

  /** The event-log type of a milestone: {@code STOCK_RESERVED} → {@code order.stock-reserved}. */
  public static String eventType(String milestone) {
    return "order." + milestone.toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

  private OrderStatus() {
  }
}
