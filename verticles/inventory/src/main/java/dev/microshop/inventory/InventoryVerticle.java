package dev.microshop.inventory;

import dev.microshop.common.audit.Audit;
import dev.microshop.common.batch.BatchMessages;
import dev.microshop.common.failure.ServiceException;
import dev.microshop.common.json.Money;
import dev.microshop.common.json.Input;
import dev.microshop.common.service.ServiceVerticle;
import dev.microshop.common.tracing.Tracing;
import dev.microshop.inventory.api.AddProduct;
import dev.microshop.inventory.api.CatalogQuery;
import dev.microshop.inventory.api.ImageSize;
import dev.microshop.inventory.api.InventoryAddresses;
import dev.microshop.inventory.api.Product;
import dev.microshop.inventory.api.Restock;
import dev.microshop.inventory.api.ReserveStock;
import dev.microshop.inventory.api.StockCommand;
import dev.microshop.inventory.api.StockReservation;
import dev.microshop.inventory.db.ProductRepository;
import dev.microshop.inventory.images.ProductImages;
import dev.microshop.inventory.db.ReservationRepository;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** The catalog and its stock: queries for everyone, admin commands to add and restock products. */
public class InventoryVerticle extends ServiceVerticle {

  private final ProductRepository products = new ProductRepository();
  private final ReservationRepository reservations = new ReservationRepository();
  private int maxPageSize;

  @Override
  protected String service() {
    return InventoryAddresses.SERVICE;
  }

  @Override
  protected Future<?> startService() {
    maxPageSize = conf.getJsonObject("catalog", new JsonObject()).getInteger("max-page-size", 200);
    return all(
        serve(InventoryAddresses.LIST_PRODUCTS, this::list),
        serve(InventoryAddresses.GET_PRODUCT, this::get),
        serve(InventoryAddresses.CATALOG, body -> products.catalog(pool)),
        serve(InventoryAddresses.ADD_PRODUCT, this::add),
        serve(InventoryAddresses.RESTOCK, this::restock),
        serve(InventoryAddresses.RESERVE, this::reserve),
        serve(InventoryAddresses.RESERVE_ALL, this::reserveAll),
        serve(InventoryAddresses.RELEASE, this::release),
        serve(InventoryAddresses.SHIP, this::ship),
        serve(InventoryAddresses.GET_RESERVATION, this::getReservation),
        serve(InventoryAddresses.STOCK_REPORT, this::stockReport),
        serve(InventoryAddresses.GET_IMAGE, this::image),
        serve(InventoryAddresses.PUT_IMAGE, this::putImage));
  }

  /** A page of the catalog ({@link CatalogQuery}), how many products match in all, and every category with its count. */
  private Future<JsonObject> list(JsonObject body) {
    CatalogQuery query = CatalogQuery.fromJson(body, maxPageSize);
    Future<JsonObject> page = products.list(pool, query);
    Future<JsonArray> categories = products.categories(pool);
    return Future.all(page, categories).map(v -> page.result().put("categories", categories.result()));
  }

  private Future<JsonObject> get(JsonObject body) {
    String sku = Input.of(body).only("sku").matching("sku", Product.SKU, "3 to 32 upper-case letters, digits or dashes");
    return products.get(pool, sku)
        .map(p -> p.orElseThrow(() -> ServiceException.notFound("no product " + sku)).toJson());
  }

  private Future<JsonObject> add(JsonObject body) {
    String actor = Audit.actor(body);
    AddProduct command = AddProduct.fromJson(body);
    return transaction(tx -> products.insert(tx, command).compose(p -> Audit.record(tx, actor, "product-added", p.sku(),
            new JsonObject().put("name", p.name()).put("price", Money.format(p.priceCents())).put("stock", p.onHand()))
        .map(p))).map(Product::toJson);
  }

  /** Recorded in the audit trail once, when applied (a repeat of the request changes nothing and records nothing). */
  private Future<JsonObject> restock(JsonObject body) {
    String actor = Audit.actor(body);
    Restock command = Restock.fromJson(body);
    return transaction(tx -> products.restock(tx, command, applied -> Audit.record(tx, actor, "restocked", command.sku(),
        new JsonObject().put("quantity", command.quantity()).put("onHand", applied.getInteger("onHand"))
            .put("requestId", command.requestId()))));
  }

  private Future<JsonObject> image(JsonObject body) {
    Input in = Input.of(body).only("sku", "size");
    String sku = in.matching("sku", Product.SKU, "3 to 32 upper-case letters, digits or dashes");
    ImageSize size = ImageSize.of(body.getString("size"))
        .orElseThrow(() -> ServiceException.badRequest("size must be card or page"));
    return products.image(pool, sku, size)
        .map(i -> i.orElseThrow(() -> ServiceException.notFound("no picture of product " + sku)));
  }

  /** Decoded and re-encoded on a worker (CPU for a moment), then stored with its event; in the audit trail. */
  private Future<JsonObject> putImage(JsonObject body) {
    String actor = Audit.actor(body);
    Input in = Input.of(body).only("sku", "data");
    String sku = in.matching("sku", Product.SKU, "3 to 32 upper-case letters, digits or dashes");
    byte[] file;
    try {
      file = body.getBinary("data");
    } catch (RuntimeException e) {
      throw ServiceException.badRequest("data must be the file's bytes in base64");
    }
    if (file == null) {
      throw ServiceException.badRequest("data is required");
    }
    return vertx.executeBlocking(() -> ProductImages.fromUpload(file), false)
        .compose(image -> transaction(tx -> products.putImage(tx, sku, image).compose(p -> Audit.record(tx, actor,
            "image-replaced", sku, new JsonObject().put("source", image.source()).put("bytes", file.length)
                .put("version", image.version())).map(p))))
        .map(Product::toJson);
  }

  private Future<JsonObject> reserve(JsonObject body) {
    ReserveStock command = ReserveStock.fromJson(body);
    return transaction(tx -> reservations.reserveAll(tx, List.of(command))).map(r -> r.get(0).toJson());
  }

  private Future<JsonObject> reserveAll(JsonObject body) {
    List<ReserveStock> commands = BatchMessages.commands(body, ReserveStock::fromJson);
    return Tracing.forEach("batch " + InventoryAddresses.RESERVE_ALL, service(), BatchMessages.traceParents(body),
            commands.stream().map(ReserveStock::orderId).toList(), () -> transaction(tx -> reservations.reserveAll(tx, commands)))
        .map(r -> BatchMessages.results(r, StockReservation::toJson));
  }

  private Future<JsonObject> release(JsonObject body) {
    StockCommand command = StockCommand.fromJson(body);
    return transaction(tx -> reservations.release(tx, command.orderId())).map(StockReservation::toJson);
  }

  private Future<JsonObject> ship(JsonObject body) {
    StockCommand command = StockCommand.fromJson(body);
    return transaction(tx -> reservations.ship(tx, command.orderId())).map(StockReservation::toJson);
  }

  private Future<JsonObject> getReservation(JsonObject body) {
    StockCommand query = StockCommand.fromJson(body);
    return reservations.get(pool, query.orderId()).map(r -> r
        .orElseThrow(() -> ServiceException.notFound("no stock reservation for order " + query.orderId())).toJson());
  }

  private Future<JsonObject> stockReport(JsonObject body) {
    return reservations.stockReport(pool).map(products -> new JsonObject().put("products", products));
  }
}
