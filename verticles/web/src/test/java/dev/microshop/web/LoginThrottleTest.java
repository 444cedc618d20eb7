package dev.microshop.web;

import dev.microshop.common.discovery.ServiceRegistry;
import dev.microshop.customer.api.CustomerAddresses;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.microshop.common.testing.Await.await;
import static dev.microshop.web.WebVerticleTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Log-in throttling per client address ({@code auth.login-attempts-per-ip}), with a fake customer
 * service that lets every log-in succeed: only the per-address counter can refuse one. Two
 * clients speak from two loopback addresses, 127.0.0.1 and 127.0.0.2.
 */
class LoginThrottleTest {

  private static final int PER_IP = 3;

  private Vertx vertx;
  private WebClient first;
  private WebClient second;
  private int port;
  private final AtomicInteger authentications = new AtomicInteger();

  @BeforeEach
  void deploy() throws Exception {
    vertx = Vertx.vertx();
    await(vertx.eventBus().<JsonObject>consumer(CustomerAddresses.AUTHENTICATE, m -> {
      authentications.incrementAndGet();
      m.reply(new JsonObject().put("customerId", UUID.randomUUID().toString()).put("name", "T").put("role", "customer"));
    }).completion());
    await(new ServiceRegistry(vertx).publishEventBusService(CustomerAddresses.SERVICE, CustomerAddresses.SERVICE));
    WebVerticle web = new WebVerticle();
    await(vertx.deployVerticle(web, new DeploymentOptions().setConfig(new JsonObject()
        .put("services", new JsonArray())
        .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1"))
        .put("auth", new JsonObject().put("jwt-secret", "login-throttle-test-secret-of-32-characters-or-more")
            .put("login-attempts-per-ip", PER_IP).put("login-failures-per-email", 1000).put("login-window-seconds", 60)))));
    port = web.port();
    first = WebClient.create(vertx, new WebClientOptions().setLocalAddress("127.0.0.1"));
    second = WebClient.create(vertx, new WebClientOptions().setLocalAddress("127.0.0.2"));
  }

  @AfterEach
  void close() throws Exception {
    await(vertx.close());
  }

  @Test
  @DisplayName("after login-attempts-per-ip log-ins from one address, the next is a JSON 429 with Retry-After that never reaches"
      + " the customer service, even with a forged X-Forwarded-For; another address still logs in, within its own allowance")
  void perAddress() throws Exception {
    for (int i = 0; i < PER_IP; i++) {
      assertThat(login(first, null).statusCode()).as("log-in %d from 127.0.0.1", i + 1).isEqualTo(200);
    }
    HttpResponse<Buffer> throttled = login(first, null);
    assertError(throttled, 429, "too_many_requests");
    assertThat(Integer.parseInt(throttled.getHeader("Retry-After"))).isBetween(1, 60);
    // the client's own claim about its address is not believed
    assertError(login(first, "198.51.100.23"), 429, "too_many_requests");
    assertThat(authentications.get()).as("log-ins that reached the customer service").isEqualTo(PER_IP);

    for (int i = 0; i < PER_IP; i++) {
      assertThat(login(second, null).statusCode()).as("log-in %d from 127.0.0.2", i + 1).isEqualTo(200);
    }
    assertError(login(second, null), 429, "too_many_requests");
    assertThat(authentications.get()).isEqualTo(2 * PER_IP);
  }

  /** A log-in with a fresh email each time, so that only the per-address count can add up. */
  private HttpResponse<Buffer> login(WebClient client, String forwardedFor) throws Exception {
    var req = client.post(port, "127.0.0.1", "/api/login").putHeader("Content-Type", "application/json");
    if (forwardedFor != null) {
      req.putHeader("X-Forwarded-For", forwardedFor);
    }
    return await(req.sendBuffer(new JsonObject().put("email", "t-" + UUID.randomUUID() + "@example.com")
        .put("password", "correct horse").toBuffer()));
  }
}
