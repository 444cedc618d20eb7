package dev.microshop.common.discovery;

import dev.microshop.common.failure.FailureCode;
import dev.microshop.common.failure.ServiceException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The caller's side of a request: a service that is away for a moment is looked up once more. */
class ServiceClientTest {

  private Vertx vertx;
  private ServiceRegistry registry;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    registry = new ServiceRegistry(vertx);
    vertx.eventBus().<JsonObject>consumer("gamma.ping", m -> m.reply(new JsonObject().put("pong", m.body().getInteger("n"))));
  }

  @AfterEach
  void stop() throws Exception {
    registry.close();
    await(vertx.close());
  }

  @Test
  @DisplayName("a request while the service has no published record (withdrawn, about to be published again) is answered once the record is back")
  void looksAgainForAServiceAwayForAMoment() throws Exception {
    ServiceClient client = new ServiceClient(vertx, registry, "gamma", 2_000);
    Future<JsonObject> answer = client.request("gamma.ping", new JsonObject().put("n", 7));
    vertx.setTimer(150, id -> registry.publishEventBusService("gamma", "gamma"));
    assertThat(await(answer).getInteger("pong")).isEqualTo(7);
  }

  @Test
  @DisplayName("a service that stays away fails with 503 after the second look, without sending")
  void failsWith503WhenTheServiceStaysAway() {
    ServiceClient client = new ServiceClient(vertx, registry, "gamma", 2_000);
    long start = System.nanoTime();
    assertThatThrownBy(() -> await(client.requestIdempotent("gamma.ping", new JsonObject().put("n", 1))))
        .isInstanceOfSatisfying(ServiceException.class, se -> assertThat(se.code()).isEqualTo(FailureCode.UNAVAILABLE));
    assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(500);
  }
}
