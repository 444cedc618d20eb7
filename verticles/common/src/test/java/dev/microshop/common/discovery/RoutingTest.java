package dev.microshop.common.discovery;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Per-instance routing: off in one JVM unless asked for, and the setting decides when given (on in a cluster: StalledInstanceIT). */
class RoutingTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    System.clearProperty("microshop.routing");
    await(vertx.close());
  }

  @Test
  @DisplayName("one JVM (not clustered): shared addresses, unless microshop.routing=instances")
  void oneJvm() {
    assertThat(Routing.perInstance(vertx)).isFalse();
    System.setProperty("microshop.routing", "instances");
    assertThat(Routing.perInstance(vertx)).isTrue();
    System.setProperty("microshop.routing", "shared");
    assertThat(Routing.perInstance(vertx)).isFalse();
  }
}
