package dev.microshop.order.api;

/** The status of an order, as its owner and the order's events see it (stored as its name). */
public enum OrderStatus {
  PENDING, APPROVED, REJECTED, CANCELLED, SHIPPED, DELIVERED;

  /** Whether a quiet shop may leave an order in this status: every status but PENDING. */
  public boolean settled() {
    return this != PENDING;
  }

  /** Whether an order in this status holds its customer's credit: approved and not cancelled, shipped or not. */
  public boolean holdsCredit() {
    return this == APPROVED || this == SHIPPED || this == DELIVERED;
  }

  /** Whether an order in this status holds its stock reserved: approved and not yet shipped. */
  public boolean holdsStock() {
    return this == APPROVED;
  }
}
