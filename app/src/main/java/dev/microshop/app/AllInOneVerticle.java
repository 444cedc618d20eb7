package dev.microshop.app;

import dev.microshop.common.MicroshopVertx;
import dev.microshop.common.StartRefused;
import dev.microshop.customer.CustomerVerticle;
import dev.microshop.history.HistoryVerticle;
import dev.microshop.inventory.InventoryVerticle;
import dev.microshop.order.OrderVerticle;
import dev.microshop.shipping.ShippingVerticle;
import dev.microshop.web.WebVerticle;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

import java.util.function.Supplier;

/**
 * The whole shop in one JVM on a local event bus: every service verticle, then the web edge
 * (which a stop undeploys first, see {@link MicroshopVertx#stopFirst}).
 * Its config ({@code -conf}) holds one object per service ({@code {"web": {"http": {"port": 9000}}}},
 * see {@link AllInOneConfig}), which overrides that service's conf file and environment.
 */
public class AllInOneVerticle extends VerticleBase {

  @Override
  public Future<?> start() {
    try {
      AllInOneConfig.check(config());
    } catch (StartRefused refused) {
      return Future.failedFuture(refused);
    }
    // join, not all: every service's deployment has ended, started or failed, before this one fails.
    // With all, the first failure failed this deployment at once and Vert.x undeployed it, children
    // included, while the other services were still failing their own starts: a child's deployment
    // was then completed twice ("Promise already completed", logged as an unhandled exception; seen
    // once in a CI-like run of StartGuardsIT, where all five refuse the same data directory)
    return Future.join(
            deploy("inventory", InventoryVerticle::new),
            deploy("customer", CustomerVerticle::new),
            deploy("order", OrderVerticle::new),
            deploy("shipping", ShippingVerticle::new),
            deploy("history", HistoryVerticle::new))
        .compose(v -> deploy(WebVerticle.SERVICE, WebVerticle::new))
        .onSuccess(web -> MicroshopVertx.stopFirst(vertx, web));
  }

  private Future<String> deploy(String service, Supplier<? extends Deployable> verticle) {
    return vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(AllInOneConfig.of(config(), service)));
  }
}
