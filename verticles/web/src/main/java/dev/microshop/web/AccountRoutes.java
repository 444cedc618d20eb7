package dev.microshop.web;

import dev.microshop.common.discovery.ServiceClient;
import dev.microshop.customer.api.CustomerAddresses;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.ext.web.RoutingContext;

/** {@code POST /api/customers}, {@code POST /api/login}, {@code GET /api/me}. */
final class AccountRoutes {

  private final ServiceClient customers;
  private final Auth auth;

  AccountRoutes(ServiceClient customers, Auth auth) {
    this.customers = customers;
    this.auth = auth;
  }

  void mount(RouterBuilder api) {
    Http.operation(api, "register", this::register);
    Http.operation(api, "login", this::login);
    Http.operation(api, "me", this::me);
  }

  private void register(RoutingContext ctx) {
    customers.request(CustomerAddresses.REGISTER, Http.body(ctx))
        .onSuccess(c -> Http.json(ctx, 201, publicView(c)))
        .onFailure(ctx::fail);
  }

  private void login(RoutingContext ctx) {
    customers.request(CustomerAddresses.AUTHENTICATE, Http.body(ctx))
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
