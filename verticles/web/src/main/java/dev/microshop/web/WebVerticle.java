package dev.microshop.web;

import dev.microshop.common.config.ConfigLoader;
import dev.microshop.common.discovery.ServiceClient;
import dev.microshop.common.discovery.ServiceRegistry;
import dev.microshop.customer.api.CustomerAddresses;
import dev.microshop.history.api.HistoryAddresses;
import dev.microshop.inventory.api.ImageSize;
import dev.microshop.inventory.api.InventoryAddresses;
import dev.microshop.order.api.OrderAddresses;
import dev.microshop.shipping.api.ShippingAddresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.ext.web.handler.FileSystemAccess;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;

/** The HTTP edge: the JSON API, health and metrics, and the store front from {@code webroot/}. */
public class WebVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(WebVerticle.class);
  public static final String SERVICE = "web";
  /** The OpenAPI contract of the whole API, inside the jar; every request is validated against it. */
  static final String CONTRACT = "openapi.yaml";

  private ServiceRegistry registry;
  /** How long a stop waits for the requests already taken (as the services wait for theirs). */
  static final long SHUTDOWN_GRACE_MS = 10_000;

  private HttpServer server;
  private CatalogView catalog;
  private final Drain drain = new Drain();

  @Override
  public Future<?> start() {
    registry = new ServiceRegistry(vertx);
    return ConfigLoader.load(vertx, SERVICE, config()).compose(this::start);
  }

  private Future<?> start(JsonObject conf) {
    WebConfig c = WebConfig.from(conf);
    return vertx.executeBlocking(() -> Auth.create(vertx, Auth.Settings.from(conf)))
        .compose(auth -> start(c, auth));
  }

  private Future<?> start(WebConfig c, Auth auth) {
    ServiceClient inventory = client(InventoryAddresses.SERVICE, c);
    ServiceClient customers = client(CustomerAddresses.SERVICE, c);
    ServiceClient orders = client(OrderAddresses.SERVICE, c);
    ServiceClient history = client(HistoryAddresses.SERVICE, c);
    OpsRoutes ops = new OpsRoutes(vertx, c.services());

    return OpenAPIContract.from(vertx, CONTRACT).compose(contract -> {
      BodyHandler commands = BodyHandler.create().setBodyLimit(c.bodyLimitBytes());
      BodyHandler pictures = BodyHandler.create().setBodyLimit(ImageSize.MAX_UPLOAD_BYTES);
      RouterBuilder api = RouterBuilder.create(vertx, CachedValidators.of(contract), VerbatimParameters.of(contract))
          .rootHandler(ctx -> {
            if (ImageRoutes.isUpload(ctx.request())) {
              ImageRoutes.opaque(ctx.request());
              pictures.handle(ctx);
            } else {
              commands.handle(ctx);
            }
          });
      catalog = new CatalogView(vertx, inventory, c.catalog());
      new CatalogRoutes(inventory, catalog, c.catalog().maxPageSize()).mount(api);
      // registration and log-in hash a password on purpose slowly (PBKDF2): their own, longer budget
      new AccountRoutes(new ServiceClient(vertx, registry, CustomerAddresses.SERVICE, c.accountTimeoutMs()), auth, c.throttle())
          .mount(api);
      new OrderRoutes(vertx, orders, history, c.streams(), new PlacementAdmission(c.admission())).mount(api);
      new AdminRoutes(inventory, catalog, customers, orders, history).mount(api);
      new ImageRoutes(inventory, new ServiceClient(vertx, registry, InventoryAddresses.SERVICE, ImageRoutes.UPLOAD_TIMEOUT_MS),
          catalog).mount(api);
      new DashboardRoutes(vertx, registry, orders, c.services(), List.of(inventory, customers, orders, history)).mount(api);

      Router router = api.createRouter();
      router.route().order(-101).handler(drain::handle);
      router.route().order(-100).handler(SecurityHeaders::apply);
      if (!c.corsOrigins().isEmpty()) {
        router.route().order(-99).handler(CorsHandler.create().addOrigins(c.corsOrigins())
            .allowedMethods(java.util.Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT))
            .allowedHeaders(java.util.Set.of("Authorization", "Content-Type", "Idempotency-Key")));
      }
      auth.protect(router);
      router.get("/api/openapi.yaml").handler(ctx -> ctx.response()
          .putHeader("Content-Type", "application/yaml").sendFile(CONTRACT));
      ops.mount(router);
      router.route("/api/*").handler(ApiErrors::notFound);
      router.route().failureHandler(ApiErrors::handle);
      new StoreFront(vertx, c.webroot()).mount(router);
      router.route("/*").handler(staticFiles(c.webroot()));

      // a connection that sends nothing (and is sent nothing) for idle-timeout-seconds is closed: an
      // open order stream is not idle (a ping every few seconds), a client that opened and went quiet is
      server = vertx.createHttpServer(new HttpServerOptions().setIdleTimeout(c.idleTimeoutSeconds())
              .setIdleTimeoutUnit(java.util.concurrent.TimeUnit.SECONDS))
          .connectionHandler(drain::connected);
      return Future.join(ops.ready(), registry.follow())
          .compose(v -> catalog.start())
          .compose(v -> server.requestHandler(router).listen(c.port(), c.host()));
    })
        .compose(s -> registry.publishHttpEndpoint(SERVICE, c.host(), s.actualPort()))
        .onSuccess(r -> LOG.info("store front at http://localhost:{}/", server.actualPort()));
  }

  private ServiceClient client(String service, WebConfig c) {
    return new ServiceClient(vertx, registry, service, c.requestTimeoutMs());
  }

  private static StaticHandler staticFiles(String webroot) {
    // a directory on disk when there is one, else the copy inside the jar
    return Path.of(webroot).isAbsolute()
        ? StaticHandler.create(FileSystemAccess.ROOT, webroot)
        : StaticHandler.create(webroot);
  }

  /** The port the server listens on (useful when configured with 0). */
  public int port() {
    return server.actualPort();
  }

  /**
   * Stops taking connections first (a balancer's next connection is refused and goes to another
   * web), then withdraws this edge's record, and lets the connections already open end with their
   * answers, each saying {@code Connection: close} (at most {@link #SHUTDOWN_GRACE_MS}; open event
   * streams are ended at once): see {@link Drain}. Without it Vert.x closes the server with a
   * zero timeout and a request in progress gets no answer at all.
   */
  @Override
  public Future<?> stop() {
    if (catalog != null) {
      catalog.stop();
    }
    Future<Void> drained = server == null ? Future.succeededFuture() : drain.begin(server, SHUTDOWN_GRACE_MS);
    return Future.join(drained, registry.unpublishAll())
        .eventually(() -> {
          registry.close();
          return Future.succeededFuture();
        });
  }

  record WebConfig(String host, int port, String webroot, long requestTimeoutMs, int bodyLimitBytes,
                   List<String> services, List<String> corsOrigins, LoginThrottle throttle,
                   OrderStreams.Limits streams, int idleTimeoutSeconds, PlacementAdmission.Settings admission, CatalogView.Settings catalog,
                   long accountTimeoutMs) {
    static WebConfig from(JsonObject conf) {
      JsonObject http = conf.getJsonObject("http", new JsonObject());
      JsonObject auth = conf.getJsonObject("auth", new JsonObject());
      JsonObject streams = conf.getJsonObject("streams", new JsonObject());
      int idleTimeout = http.getInteger("idle-timeout-seconds", 60);
      if (idleTimeout * 1000L <= OrderStreams.SAFETY_NET_MS) {
        throw new IllegalArgumentException("http.idle-timeout-seconds must be more than the order streams' ping interval ("
            + OrderStreams.SAFETY_NET_MS / 1000 + " s), not " + idleTimeout);
      }
      JsonArray services = conf.getJsonArray("services", new JsonArray()
          .add(InventoryAddresses.SERVICE).add(CustomerAddresses.SERVICE).add(OrderAddresses.SERVICE)
          .add(ShippingAddresses.SERVICE).add(HistoryAddresses.SERVICE));
      return new WebConfig(
          http.getString("host", "0.0.0.0"),
          http.getInteger("port", 8080),
          http.getString("webroot", "webroot"),
          conf.getLong("request-timeout-ms", 3000L),
          http.getInteger("body-limit-bytes", 65_536),
          services.stream().map(String::valueOf).toList(),
          http.getJsonArray("cors-origins", new JsonArray()).stream().map(String::valueOf).filter(o -> !o.isBlank()).toList(),
          new LoginThrottle(auth.getInteger("login-attempts-per-ip", 60), auth.getInteger("login-failures-per-email", 5),
              auth.getLong("login-window-seconds", 60L) * 1000),
          new OrderStreams.Limits(streams.getInteger("per-customer", 5), streams.getInteger("max", 1000)),
          idleTimeout,
          admission(conf.getJsonObject("orders", new JsonObject())),
          CatalogView.Settings.from(conf),
          Math.max(conf.getLong("request-timeout-ms", 3000L), auth.getLong("request-timeout-ms", 10_000L)));
    }

    /** Placements in flight: at most max-in-flight, never fewer than min-in-flight (capped by the max), adapted to placement-target-ms. */
    private static PlacementAdmission.Settings admission(JsonObject orders) {
      int max = positive(orders.getInteger("max-in-flight", 512), "orders.max-in-flight");
      int min = positive(orders.getInteger("min-in-flight", Math.min(32, max)), "orders.min-in-flight");
      return new PlacementAdmission.Settings(min, max,
          positive(orders.getInteger("placement-target-ms", 500), "orders.placement-target-ms"));
    }

    private static int positive(int value, String key) {
      if (value < 1) {
        throw new IllegalArgumentException(key + " must be at least 1, not " + value);
      }
      return value;
    }
  }
}
