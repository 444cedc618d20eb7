package dev.microshop.web;

import io.vertx.core.Future;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.Json;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.json.schema.common.dsl.SchemaType;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatableRequest;
import io.vertx.openapi.validation.impl.RequestParameterImpl;
import io.vertx.openapi.validation.impl.ValidatableRequestImpl;

import java.util.HashMap;
import java.util.Map;

/**
 * Hands the contract's validation each parameter as the route reads it: decoded once, and a string
 * parameter as that string. vertx-openapi 5.0.7's own extraction ({@code RequestExtractor.withBodyHandler})
 * URL-decodes query values and headers a second time (a search for {@code 50%}, or an
 * {@code Idempotency-Key} of {@code 50%}, failed with a 500; a key of {@code k+1} was refused as
 * {@code k 1}), and its parameter transformer reads a string parameter's value as JSON when it is
 * not a single word: a search for {@code 1.5}, {@code -20} or {@code [1]} became a number or an
 * array, refused as not a string (eclipse-vertx/vertx-openapi#114, open), and every dashed value
 * (each sku) threw and caught a parse exception first. Here a string parameter goes to the
 * transformer as a JSON string literal, which it decodes back to exactly the value; other
 * parameters (integers) go as they came. The routes read the same values from the request, so what
 * is validated is what is used.
 */
final class VerbatimParameters {

  private VerbatimParameters() {
  }

  /**
   * The extractor for the contract's operations.
   *
   * @throws IllegalArgumentException when an operation has an array or object parameter (their
   *     styles, exploded or not, are the library's to read; the contract has none)
   */
  static RequestExtractor of(OpenAPIContract contract) {
    for (Operation operation : contract.operations()) {
      for (Parameter p : operation.getParameters()) {
        if (p.getSchemaType() == SchemaType.ARRAY || p.getSchemaType() == SchemaType.OBJECT) {
          throw new IllegalArgumentException("parameter " + p.getName() + " of " + operation.getOperationId()
              + " is an " + p.getSchemaType() + ": VerbatimParameters reads primitive parameters only");
        }
      }
    }
    return VerbatimParameters::extract;
  }

  private static Future<ValidatableRequest> extract(RoutingContext ctx, Operation operation) {
    HttpServerRequest request = ctx.request();
    Map<String, RequestParameter> cookies = new HashMap<>();
    Map<String, RequestParameter> headers = new HashMap<>();
    Map<String, RequestParameter> path = new HashMap<>();
    Map<String, RequestParameter> query = new HashMap<>();
    for (Parameter p : operation.getParameters()) {
      String name = p.getName();
      switch (p.getIn()) {
        case COOKIE -> {
          Cookie cookie = request.getCookie(name);
          cookies.put(name, value(p, cookie == null ? null : cookie.getValue()));
        }
        case HEADER -> headers.put(name, value(p, request.getHeader(name)));
        case PATH -> path.put(name, value(p, ctx.pathParam(name)));
        case QUERY -> query.put(name, value(p, request.getParam(name)));
      }
    }
    if (operation.getRequestBody() == null) {
      return Future.succeededFuture(new ValidatableRequestImpl(cookies, headers, path, query));
    }
    return Future.succeededFuture(new ValidatableRequestImpl(cookies, headers, path, query,
        new RequestParameterImpl(ctx.body().buffer()), request.getHeader(HttpHeaders.CONTENT_TYPE)));
  }

  private static RequestParameter value(Parameter p, String value) {
    if (value == null) {
      return new RequestParameterImpl(null);
    }
    return new RequestParameterImpl(p.getSchemaType() == SchemaType.STRING ? Json.encode(value) : value);
  }
}
