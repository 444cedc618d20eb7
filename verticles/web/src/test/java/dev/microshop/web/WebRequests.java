package dev.microshop.web;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;

import java.util.List;

import static dev.microshop.common.testing.Await.await;

/** Requests to the web's API as the tests send them: JSON bodies, a bearer token and an idempotency key, order lines. */
final class WebRequests {

  private WebRequests() {
  }

  /** {@code req} with the bearer {@code token} and the {@code Idempotency-Key}, each where it is not null. */
  static HttpRequest<Buffer> with(HttpRequest<Buffer> req, String token, String idempotencyKey) {
    if (token != null) {
      req.bearerTokenAuthentication(token);
    }
    if (idempotencyKey != null) {
      req.putHeader("Idempotency-Key", idempotencyKey);
    }
    return req;
  }

  /** Sends {@code body} as JSON. */
  static HttpResponse<Buffer> send(HttpRequest<Buffer> req, Buffer body) throws Exception {
    return await(req.putHeader("Content-Type", "application/json").sendBuffer(body));
  }

  /** A JWT provider on {@code secret} (HS256), as the web's. */
  static JWTAuth jwt(Vertx vertx, String secret) {
    return JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
  }

  static JsonObject line(String sku, Object quantity) {
    return new JsonObject().put("sku", sku).put("quantity", quantity);
  }

  /** An order's body: its lines. */
  static JsonObject order(JsonObject... lines) {
    return new JsonObject().put("lines", new JsonArray(List.of((Object[]) lines)));
  }

  /** A bearer token of the account. */
  static String login(DeployedWeb web, String email, String password) throws Exception {
    HttpResponse<Buffer> res = send(web.client().post(web.port(), "127.0.0.1", "/api/login"),
        new JsonObject().put("email", email).put("password", password).toBuffer());
    org.assertj.core.api.Assertions.assertThat(res.statusCode()).isEqualTo(200);
    return res.bodyAsJsonObject().getString("token");
  }

  /** The development administrator's token. */
  static String admin(DeployedWeb web) throws Exception {
    return login(web, "admin@microshop.local", "microshop-admin-dev");
  }

  /** A new customer's token. */
  static String newCustomer(DeployedWeb web) throws Exception {
    String email = "c-" + java.util.UUID.randomUUID() + "@example.com";
    HttpResponse<Buffer> created = send(web.client().post(web.port(), "127.0.0.1", "/api/customers"),
        new JsonObject().put("name", "C").put("email", email).put("password", "correct horse").toBuffer());
    org.assertj.core.api.Assertions.assertThat(created.statusCode()).isEqualTo(201);
    return login(web, email, "correct horse");
  }

  /** GET {@code path}, with the token when there is one. */
  static HttpResponse<Buffer> get(DeployedWeb web, String path, String token) throws Exception {
    return await(with(web.client().get(web.port(), "127.0.0.1", path), token, null).send());
  }
}
