package dev.microshop.shipping;

import dev.microshop.order.OrderVerticle;
import dev.microshop.shipping.api.ShippingAddresses;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The order service reads shipping's events by name (it cannot depend on this module): the names must agree. */
class ShippingContractTest {

  @Test
  @DisplayName("the order service consumes the shipping service's event names")
  void eventNames() {
    assertThat(OrderVerticle.SHIPPING).isEqualTo(ShippingAddresses.SERVICE);
    assertThat(OrderVerticle.SHIPMENT_SHIPPED).isEqualTo(ShippingAddresses.SHIPMENT_SHIPPED);
    assertThat(OrderVerticle.SHIPMENT_DELIVERED).isEqualTo(ShippingAddresses.SHIPMENT_DELIVERED);
  }
}
