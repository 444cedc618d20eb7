package dev.microshop.web;

import dev.microshop.common.discovery.ServiceClient;
import dev.microshop.common.failure.FailureCode;
import dev.microshop.common.failure.ServiceException;
import dev.microshop.customer.api.CustomerAddresses;
import dev.microshop.customer.api.Register;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.ext.web.RoutingContext;

/** {@code POST /api/customers}, {@code POST /api/login}, {@code GET /api/me}. */
final class AccountRoutes {

  private final ServiceClient customers;
  private final Auth auth;
  private final LoginThrottle throttle;

  AccountRoutes(ServiceClient customers, Auth auth, LoginThrottle throttle) {
    this.customers = customers;
    this.auth = auth;
    this.throttle = throttle;
  }

  void mount(RouterBuilder api) {
    Http.operation(api, "register", this::register);
    Http.operation(api, "login", this::login);
    Http.operation(api, "me", this::me);
  }

  private void register(RoutingContext ctx) {
    customers.request(CustomerAddresses.REGISTER, Register.fromJson(Http.body(ctx)).toJson())
        .onSuccess(c -> Http.json(ctx, 201, publicView(c)))
        .onFailure(ctx::fail);
  }

  private void login(RoutingContext ctx) {
    JsonObject body = Http.body(ctx);
    String email = String.valueOf(body.getValue("email"));
    long waitSeconds = throttle.attempt(ctx.request().remoteAddress().host(), email, System.currentTimeMillis());
    if (waitSeconds > 0) {
      ctx.response().putHeader("Retry-After", Long.toString(waitSeconds));
      throw new ServiceException(FailureCode.TOO_MANY_REQUESTS, "too many log-in attempts; try again in " + waitSeconds + " s");
    }
    customers.request(CustomerAddresses.AUTHENTICATE, body)
        .onFailure(t -> {
          if (FailureCode.of(t) == FailureCode.UNAUTHORIZED) {
            throttle.failed(email, System.currentTimeMillis());
          }
        })
        .onSuccess(who -> throttle.succeeded(email))
        .onSuccess(who -> Http.json(ctx, 200, new JsonObject()
            .put("token", auth.issue(who.getString("customerId"), who.getString("role")))
            .put("tokenType", "Bearer")
            .put("expiresIn", auth.ttlSeconds())
            .put("customer", new JsonObject().put("id", who.getString("customerId"))
                .put("name", who.getString("name")).put("role", who.getString("role")))))
        .onFailure(ctx::fail);
  }

  private void me(RoutingContext ctx) {
    customers.request(CustomerAddresses.GET, new JsonObject().put("customerId", Auth.customerId(ctx)))
        .onSuccess(c -> Http.json(ctx, 200, publicView(c)))
        .onFailure(ctx::fail);
  }

  /** A customer as the API shows it: amounts as decimal strings. */
  static JsonObject publicView(JsonObject c) {
    return new JsonObject()
        .put("id", c.getString("id"))
        .put("name", c.getString("name"))
        .put("email", c.getString("email"))
        .put("role", c.getString("role"))
        .put("creditLimit", c.getString("creditLimit"))
        .put("reservedCredit", c.getString("reservedCredit"))
        .put("availableCredit", c.getString("availableCredit"));
  }
}
