package dev.microshop.web;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.impl.RequestParameterImpl;
import io.vertx.openapi.validation.impl.RequestValidatorImpl;
import io.vertx.openapi.validation.impl.ValidatableRequestImpl;

import java.util.Map;

/**
 * A JVM of its own for {@link SchemaValidatorJitTest}: the web's contract, validators as the web builds them,
 * and the body of {@code POST /api/orders} validated the given number of times.
 */
public final class ValidatorWorkout {

  private ValidatorWorkout() {
  }

  public static void main(String[] args) {
    int times = Integer.parseInt(args[0]);
    Vertx vertx = Vertx.vertx();
    try {
      OpenAPIContract contract = CachedValidators.of(OpenAPIContract.from(vertx, "openapi.yaml").await());
      RequestValidatorImpl validator = new RequestValidatorImpl(vertx, contract);
      Operation placeOrder = contract.operation("placeOrder");
      var body = new RequestParameterImpl(new JsonObject()
          .put("lines", new JsonArray()
              .add(new JsonObject().put("sku", "MUG-CLASSIC").put("quantity", 1))
              .add(new JsonObject().put("sku", "PEN-GEL-3").put("quantity", 2)))
          .put("address", new JsonObject().put("name", "Ada Lovelace").put("street", "12 Rue de Rivoli")
              .put("postcode", "75001").put("city", "Paris").put("country", "FR"))
          .toBuffer());
      for (int i = 0; i < times; i++) {
        validator.validateBody(placeOrder.getRequestBody(),
            new ValidatableRequestImpl(Map.of(), Map.of(), Map.of(), Map.of(), body, "application/json"));
      }
      System.out.println("validated " + times);
    } finally {
      vertx.close().await();
    }
  }
}
