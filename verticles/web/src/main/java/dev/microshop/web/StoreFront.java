package dev.microshop.web;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileSystem;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * How the store front's files are cached, so that a deploy reaches every shopper at their next page
 * load: the page ({@code /}, {@code /index.html}) is revalidated on every load ({@code no-cache}
 * and an {@code ETag}: 304 when unchanged) and names its style sheet and script with their content's
 * hash ({@code /js/app.js?v=…}); such a versioned asset is cached for a year ({@code immutable}), a
 * changed file being another URL. An asset asked for without its version is revalidated like the
 * page. {@code /favicon.ico} answers the shop's SVG icon (a browser asks for it by that name).
 * The files are read at each page load (a few kB), so an edited {@code webroot/} on disk shows at once.
 */
final class StoreFront {

  /** The assets the page names, by the path it names them with. */
  private static final List<String> ASSETS = List.of("/css/shop.css", "/js/app.js");
  static final String ASSET_CACHE = "public, max-age=31536000, immutable";

  private final Vertx vertx;
  private final String webroot;

  StoreFront(Vertx vertx, String webroot) {
    this.vertx = vertx;
    this.webroot = webroot;
  }

  /** Mounts the page and the assets' caching; before the static files' route, which then serves the assets. */
  void mount(Router router) {
    // HEAD as GET (its headers, no body): a cache or a checker asking with HEAD must not be told "immutable"
    // by the static files' defaults
    readOf(router, "/").handler(this::page);
    readOf(router, "/index.html").handler(this::page);
    readOf(router, "/favicon.ico").handler(ctx -> ctx.response().putHeader("Content-Type", "image/svg+xml")
        .putHeader("Cache-Control", "public, max-age=86400").sendFile(file("/favicon.svg")).onFailure(ctx::fail));
    readOf(router, "/css/*").handler(StoreFront::assetCaching);
    readOf(router, "/js/*").handler(StoreFront::assetCaching);
  }

  private static Route readOf(Router router, String path) {
    return router.route(path).method(HttpMethod.GET).method(HttpMethod.HEAD);
  }

  private void page(RoutingContext ctx) {
    FileSystem fs = vertx.fileSystem();
    Future<Buffer> html = fs.readFile(file("/index.html"));
    List<Future<Buffer>> assets = ASSETS.stream().map(a -> fs.readFile(file(a))).toList();
    Future.all(html, Future.all(assets)).onSuccess(v -> {
      String page = html.result().toString(StandardCharsets.UTF_8);
      for (int i = 0; i < ASSETS.size(); i++) {
        String asset = ASSETS.get(i);
        page = page.replace("\"" + asset + "\"", "\"" + asset + "?v=" + hash(assets.get(i).result().getBytes()) + "\"");
      }
      byte[] body = page.getBytes(StandardCharsets.UTF_8);
      String etag = "\"" + hash(body) + "\"";
      ctx.response().putHeader("Cache-Control", "no-cache").putHeader("ETag", etag);
      if (etag.equals(ctx.request().getHeader("If-None-Match"))) {
        ctx.response().setStatusCode(304).end();
      } else {
        ctx.response().putHeader("Content-Type", "text/html;charset=UTF-8").end(Buffer.buffer(body));
      }
    }).onFailure(ctx::fail);
  }

  /** A versioned asset is kept a year; one without its version is revalidated (the static files' Last-Modified). */
  private static void assetCaching(RoutingContext ctx) {
    String cache = ctx.request().getParam("v") != null ? ASSET_CACHE : "no-cache";
    ctx.addHeadersEndHandler(v -> ctx.response().headers().set("Cache-Control", cache));
    ctx.next();
  }

  private String file(String path) {
    return webroot + path;
  }

  /** The first 12 hex digits of the content's SHA-256: a version, not a security measure. */
  static String hash(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
