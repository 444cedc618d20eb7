package dev.microshop.web;

import dev.microshop.common.audit.Audit;
import dev.microshop.common.discovery.ServiceClient;
import dev.microshop.common.failure.ServiceException;
import dev.microshop.inventory.api.ImageSize;
import dev.microshop.inventory.api.InventoryAddresses;
import dev.microshop.inventory.api.Product;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Products' pictures: {@code GET /api/products/{sku}/image/{size}} serves the JPEG the inventory
 * stores, with a strong ETag (its version and size). The URLs in the catalog carry the version
 * ({@code ?v=}), so such a URL always names the same bytes and is cached for a year; without it, or
 * with an old one, the answer is the current picture, revalidated at every use. A revalidation
 * whose version this web's catalog knows is answered {@code 304} without asking the inventory.
 * Recent pictures are kept in memory (at most {@link #CACHE_BYTES}, least recently used dropped first).
 *
 * <p>{@code PUT /api/admin/products/{sku}/image} (administrators): the body is the file, at most
 * {@link ImageSize#MAX_UPLOAD_BYTES} (413 beyond, before it is read whole); the inventory checks it
 * by its content and stores it re-encoded (see {@link InventoryAddresses#PUT_IMAGE}).
 */
final class ImageRoutes {

  static final long CACHE_BYTES = 8L * 1024 * 1024;
  /** Decoding and re-encoding a large picture takes a moment on a small machine: the upload's own budget. */
  static final long UPLOAD_TIMEOUT_MS = 30_000;
  private static final Pattern UPLOAD_PATH = Pattern.compile("/api/admin/products/[^/]+/image");
  private static final String IMMUTABLE = "public, max-age=31536000, immutable";

  private final ServiceClient inventory;
  private final ServiceClient uploads;
  private final CatalogView catalog;
  /** sku/size/version → JPEG, in access order; confined to this verticle's event loop. */
  private final LinkedHashMap<String, Buffer> cache = new LinkedHashMap<>(64, 0.75f, true);
  private long cachedBytes;

  ImageRoutes(ServiceClient inventory, ServiceClient uploads, CatalogView catalog) {
    this.inventory = inventory;
    this.uploads = uploads;
    this.catalog = catalog;
  }

  /** Whether the request is an upload (its body may be as large as a picture, not as a JSON command). */
  static boolean isUpload(HttpServerRequest request) {
    return UPLOAD_PATH.matcher(request.path()).matches();
  }

  /**
   * An upload is taken as opaque bytes whatever type its request declares ({@code image/png}, a
   * browser's guess from the file's name, or none): its content decides what it is (the contract
   * knows it as {@code application/octet-stream}).
   */
  static void opaque(HttpServerRequest request) {
    request.headers().set("Content-Type", "application/octet-stream");
  }

  /** A product's picture as the catalog shows it: each size's URL (with the version) and box. */
  static JsonObject links(String sku, String version) {
    JsonObject links = new JsonObject().put("version", version);
    for (ImageSize size : ImageSize.values()) {
      links.put(size.key(), new JsonObject().put("url", "/api/products/" + sku + "/image/" + size.key() + "?v=" + version)
          .put("width", size.width()).put("height", size.height()));
    }
    return links;
  }

  void mount(RouterBuilder api) {
    Http.operation(api, "getProductImage", this::get);
    Http.operation(api, "putProductImage", this::put);
  }

  private void get(RoutingContext ctx) {
    String sku = ctx.pathParam("sku");
    String size = ctx.pathParam("size");
    String asked = ctx.request().getParam("v");
    String known = catalog.imageVersion(sku).orElse(null);
    if (known != null && matches(ctx, known, size)) {
      notModified(ctx, known, size, asked);
      return;
    }
    Buffer cached = known == null ? null : cache.get(key(sku, size, known));
    if (cached != null) {
      send(ctx, known, size, asked, cached);
      return;
    }
    inventory.requestIdempotent(InventoryAddresses.GET_IMAGE, new JsonObject().put("sku", sku).put("size", size))
        .onSuccess(image -> {
          String version = image.getString("version");
          if (matches(ctx, version, size)) {
            notModified(ctx, version, size, asked);
            return;
          }
          Buffer bytes = Buffer.buffer(image.getBinary("data"));
          remember(key(sku, size, version), bytes);
          send(ctx, version, size, asked, bytes);
        })
        .onFailure(ctx::fail);
  }

  private void put(RoutingContext ctx) {
    Buffer file = ctx.body().buffer();
    if (file == null || file.length() == 0) {
      throw ServiceException.badRequest("the body must be the picture's file (PNG, JPEG or WebP)");
    }
    uploads.request(InventoryAddresses.PUT_IMAGE, new JsonObject().put("sku", ctx.pathParam("sku"))
            .put("data", file.getBytes()).put(Audit.ACTOR, Auth.customerId(ctx)))
        .map(Product::fromJson)
        .compose(p -> catalog.catchUp().map(p))
        .onSuccess(p -> Http.json(ctx, 200, CatalogRoutes.publicView(p)))
        .onFailure(ctx::fail);
  }

  private static boolean matches(RoutingContext ctx, String version, String size) {
    String ifNoneMatch = ctx.request().getHeader("If-None-Match");
    return ifNoneMatch != null && (ifNoneMatch.contains(etag(version, size)) || ifNoneMatch.trim().equals("*"));
  }

  private static void notModified(RoutingContext ctx, String version, String size, String asked) {
    headers(ctx, version, size, asked).setStatusCode(304).end();
  }

  private static void send(RoutingContext ctx, String version, String size, String asked, Buffer bytes) {
    headers(ctx, version, size, asked).setStatusCode(200).putHeader("Content-Type", ImageSize.CONTENT_TYPE).end(bytes);
  }

  /** A URL with the current version names these bytes for good; any other is revalidated at every use. */
  private static io.vertx.core.http.HttpServerResponse headers(RoutingContext ctx, String version, String size, String asked) {
    return ctx.response().putHeader("ETag", etag(version, size))
        .putHeader("Cache-Control", version.equals(asked) ? IMMUTABLE : "no-cache");
  }

  private static String etag(String version, String size) {
    return "\"" + version + "-" + size + "\"";
  }

  private static String key(String sku, String size, String version) {
    return sku + "/" + size + "/" + version;
  }

  private void remember(String key, Buffer bytes) {
    if (bytes.length() > CACHE_BYTES / 4 || cache.containsKey(key)) {
      return;
    }
    cache.put(key, bytes);
    cachedBytes += bytes.length();
    var eldest = cache.entrySet().iterator();
    while (cachedBytes > CACHE_BYTES && eldest.hasNext()) {
      Map.Entry<String, Buffer> e = eldest.next();
      cachedBytes -= e.getValue().length();
      eldest.remove();
    }
  }
}
