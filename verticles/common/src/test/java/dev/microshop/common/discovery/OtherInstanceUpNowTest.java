package dev.microshop.common.discovery;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a graceful stop asks before it keeps serving for the callers' refresh (ServiceVerticle#stop): whether another
 * instance is up, read from the registry now, so that one that came back a moment ago counts although this JVM's
 * view of the last refresh does not show it yet.
 */
class OtherInstanceUpNowTest {

  private Vertx vertx;
  private ServiceRegistry stopping;
  private ServiceRegistry cameBack;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    stopping = new ServiceRegistry(vertx);
    cameBack = new ServiceRegistry(vertx);
    await(stopping.publishEventBusService("theta", "theta", ownAddress("a")));
    await(stopping.sweep()); // its view: itself only
  }

  @AfterEach
  void stop() throws Exception {
    stopping.close();
    cameBack.close();
    await(vertx.close());
  }

  @Test
  @DisplayName("an instance published after the stopping one's last refresh counts as up, though its view does not show it")
  void seesAnInstanceItsViewDoesNotShowYet() throws Exception {
    assertThat(await(stopping.otherInstanceUpNow("theta"))).as("alone: its own record does not count").isFalse();
    await(cameBack.publishEventBusService("theta", "theta", ownAddress("b")));
    assertThat(stopping.upInstances("theta")).as("its view, a refresh old").containsExactly("a");
    assertThat(await(stopping.otherInstanceUpNow("theta"))).isTrue();
  }

  @Test
  @DisplayName("an instance withdrawn or out of service does not count")
  void ignoresWithdrawnAndOutOfServiceInstances() throws Exception {
    await(cameBack.publishEventBusService("theta", "theta", ownAddress("b")));
    await(cameBack.outOfService(new JsonObject().put("why", "split data")));
    assertThat(await(stopping.otherInstanceUpNow("theta"))).as("out of service").isFalse();
    await(cameBack.unpublishAll());
    assertThat(await(stopping.otherInstanceUpNow("theta"))).as("withdrawn").isFalse();
  }

  private static JsonObject ownAddress(String instance) {
    return new JsonObject().put("instance", instance).put(ServiceRegistry.OWN_ADDRESS, true);
  }
}
