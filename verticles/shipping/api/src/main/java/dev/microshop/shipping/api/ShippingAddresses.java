package dev.microshop.shipping.api;

/** The event-bus addresses and the events of the shipping service. */
public final class ShippingAddresses {

  public static final String SERVICE = "shipping";

  /** {@code {orderId}} → the shipment {@code {orderId, shipmentId, status, trackingNumber?, ...}}; 404 when none. */
  public static final String GET = "shipping.get";
  /** {@code {}} → {@code {shipments: [...]}} (operators, invariant checks). */
  public static final String LIST = "shipping.list";
  public static final String HEALTH = "shipping.health";

  /** Events of its log; the payload is the shipment. */
  public static final String SHIPMENT_CREATED = "shipment.created";
  public static final String SHIPMENT_SHIPPED = "shipment.shipped";
  public static final String SHIPMENT_DELIVERED = "shipment.delivered";
  public static final String SHIPMENT_CANCELLED = "shipment.cancelled";

  private ShippingAddresses() {
  }
}
