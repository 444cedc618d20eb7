package dev.microshop.inventory.api;

/** The event-bus addresses of the inventory service. Bodies are JSON; see each record. */
public final class InventoryAddresses {

  /** The service's name in discovery and its address prefix. */
  public static final String SERVICE = "inventory";

  /** Query {@code {q?, limit?, offset?}} → {@code {products: [Product...]}}. */
  public static final String LIST_PRODUCTS = "inventory.list-products";
  /** Query {@code {sku}} → Product; 404 when unknown, 400 when the sku is malformed. */
  public static final String GET_PRODUCT = "inventory.get-product";
  /** Admin command {@link AddProduct} → Product; 409 when the sku exists. */
  public static final String ADD_PRODUCT = "inventory.add-product";
  /** Admin command {@link Restock} → {@link Restock#outcome}; idempotent by its request id. */
  public static final String RESTOCK = "inventory.restock";
  /** Health of the service and its database → vertx-health-check's JSON. */
  public static final String HEALTH = "inventory.health";

  private InventoryAddresses() {
  }
}
