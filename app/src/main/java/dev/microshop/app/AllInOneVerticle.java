package dev.microshop.app;

import dev.microshop.inventory.InventoryVerticle;
import dev.microshop.web.WebVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

/**
 * The whole shop in one JVM on a local event bus: every service verticle, then the web edge.
 * Its config may hold one object per service ({@code {"web": {"http": {"port": 9000}}}}),
 * which overrides that service's conf file and environment.
 */
public class AllInOneVerticle extends VerticleBase {

  @Override
  public Future<?> start() {
    return vertx.deployVerticle(InventoryVerticle::new, options("inventory"))
        .compose(id -> vertx.deployVerticle(WebVerticle::new, options(WebVerticle.SERVICE)));
  }

  private DeploymentOptions options(String service) {
    return new DeploymentOptions().setConfig(config().getJsonObject(service, new JsonObject()));
  }
}
