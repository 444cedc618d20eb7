package dev.microshop.order.db;

/**
 * Where an order is in its saga: the next command to send, or {@link #DONE}. Stored as its name in
 * {@code orders.saga_step}; {@link OrderRepository} maps it both ways.
 */
public enum SagaStep {
  RESERVE_STOCK, RESERVE_CREDIT, RELEASE_STOCK, CANCEL_STOCK, CANCEL_CREDIT, DONE
}
