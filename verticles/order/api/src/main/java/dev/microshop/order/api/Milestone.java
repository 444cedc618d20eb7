package dev.microshop.order.api;

/**
 * A step of an order's timeline, each recorded in the order service's event log under its own
 * type, with the order as it then is and the milestone in the payload ({@code milestone},
 * {@code milestoneReason}).
 */
public enum Milestone {
  PLACED("order.placed"),
  STOCK_RESERVED("order.stock-reserved"),
  CREDIT_RESERVED("order.credit-reserved"),
  CREDIT_REJECTED("order.credit-rejected"),
  APPROVED("order.approved"),
  REJECTED("order.rejected"),
  STOCK_RELEASED("order.stock-released"),
  CANCEL_REQUESTED("order.cancel-requested"),
  CREDIT_RELEASED("order.credit-released"),
  CANCELLED("order.cancelled"),
  CANCEL_REFUSED("order.cancel-refused"),
  SHIPPED("order.shipped"),
  DELIVERED("order.delivered");

  private final String eventType;

  Milestone(String eventType) {
    this.eventType = eventType;
  }

  /** The type of its event in the order service's log. */
  public String eventType() {
    return eventType;
  }

  /** Whether the milestone carries the order's reason (why it was rejected, why a cancel was refused). */
  public boolean withReason() {
    return this == REJECTED || this == CREDIT_REJECTED || this == CANCEL_REFUSED;
  }
}
