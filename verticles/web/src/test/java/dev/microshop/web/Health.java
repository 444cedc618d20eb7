package dev.microshop.web;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The web's {@code /health} as the tests read it: polled until it answers a status, and its checks by id. */
final class Health {

  private Health() {
  }

  /** Polls {@code /health} on {@code port} until it answers {@code status}, failing after {@code deadlineMs}. */
  static HttpResponse<Buffer> until(WebClient client, int port, int status, long deadlineMs) throws Exception {
    long deadline = System.currentTimeMillis() + deadlineMs;
    HttpResponse<Buffer> res = get(client, port);
    while (res.statusCode() != status && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
      res = get(client, port);
    }
    assertThat(res.statusCode()).as("/health within %d ms: %s", deadlineMs, res.bodyAsString()).isEqualTo(status);
    return res;
  }

  /** The check {@code id} of a health answer (or of a service's nested one). */
  static JsonObject check(JsonObject health, String id) {
    return health.getJsonArray("checks").stream().map(JsonObject.class::cast)
        .filter(c -> id.equals(c.getString("id"))).findFirst()
        .orElseThrow(() -> new AssertionError("no check " + id + " in " + health.encode()));
  }

  private static HttpResponse<Buffer> get(WebClient client, int port) throws Exception {
    return await(client.get(port, "127.0.0.1", "/health").send());
  }
}
