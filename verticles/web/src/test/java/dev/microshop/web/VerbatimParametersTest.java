package dev.microshop.web;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import org.junit.jupiter.api.Test;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The web's contract is read by {@link VerbatimParameters}; a parameter it can't read verbatim stops the start. */
class VerbatimParametersTest {

  @Test
  void anArrayParameterIsRefusedAtStartAndTheWebsOwnContractIsRead() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      OpenAPIContract withArray = await(OpenAPIContract.from(vertx, new JsonObject()
          .put("openapi", "3.1.0").put("info", new JsonObject().put("title", "t").put("version", "1"))
          .put("paths", new JsonObject().put("/things", new JsonObject().put("get", new JsonObject()
              .put("operationId", "listThings")
              .put("parameters", new JsonArray().add(new JsonObject().put("name", "ids").put("in", "query")
                  .put("schema", new JsonObject().put("type", "array").put("items", new JsonObject().put("type", "string")))))
              .put("responses", new JsonObject().put("200", new JsonObject().put("description", "ok"))))))));
      assertThatThrownBy(() -> VerbatimParameters.of(withArray)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("parameter ids of listThings is an ARRAY");

      assertThat(VerbatimParameters.of(await(OpenAPIContract.from(vertx, WebVerticle.CONTRACT)))).isNotNull();
    } finally {
      await(vertx.close());
    }
  }
}
