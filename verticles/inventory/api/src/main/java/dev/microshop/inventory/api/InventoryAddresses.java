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
  /** Saga command {@link ReserveStock} → {@link StockReservation}; idempotent by order id. */
  public static final String RESERVE = "inventory.reserve";
  /** Saga command {@code {commands: [ReserveStock...]}} (1 to {@code BatchMessages.MAX_COMMANDS}) →
   *  {@code {results: [StockReservation...]}}, in the same order: {@link #RESERVE} for several orders in
   *  one transaction, each idempotent by its order id and decided on its own (one rejected rejects no other). */
  public static final String RESERVE_ALL = "inventory.reserve-all";
  /** Saga command {@code {orderId}} → {@link StockReservation}: gives reserved stock back; a release
   *  before any reserve leaves a tombstone that blocks a late reserve. 409 when already shipped. */
  public static final String RELEASE = "inventory.release";
  /** Command {@code {orderId}} → {@link StockReservation}: reserved stock leaves the warehouse
   *  (on hand and reserved both go down). 409 unless reserved or already shipped. */
  public static final String SHIP = "inventory.ship";
  /** Query {@code {orderId}} → {@link StockReservation}; 404 when the order is unknown here. */
  public static final String GET_RESERVATION = "inventory.get-reservation";
  /** Query {@code {}} → {@code {products: [{sku, onHand, reserved, reservedByOrders}]}}: the stock
   *  beside the quantities of the RESERVED reservations, for invariant checks. */
  public static final String STOCK_REPORT = "inventory.stock-report";
  /** Query {@code {}} → {@code {afterTx, afterPosition, products: [CatalogEntry...]}}: every product,
   *  and the position in the inventory's event log up to which they are up to date; the
   *  {@link CatalogEntry#CHANGED} events after it keep a copy fresh. */
  public static final String CATALOG = "inventory.catalog";
  /** Query {@code {sku, size}} ({@link ImageSize#key()}) → {@code {sku, size, version, contentType, data}}
   *  ({@code data}: the JPEG's bytes, base64); 404 when the product or its picture is unknown. */
  public static final String GET_IMAGE = "inventory.get-image";
  /** Admin command {@code {sku, data}} ({@code data}: the uploaded file's bytes, base64, at most
   *  {@link ImageSize#MAX_UPLOAD_BYTES}) → Product with its new image version. The content decides
   *  (PNG, JPEG or WebP), never a name: 415 for anything else, 400 for a file that doesn't decode,
   *  413 beyond {@link ImageSize#MAX_PIXELS}; what is stored is re-encoded, with no metadata. */
  public static final String PUT_IMAGE = "inventory.put-image";
  /** Health of the service and its database → vertx-health-check's JSON. */
  public static final String HEALTH = "inventory.health";

  private InventoryAddresses() {
  }
}
