package dev.microshop.web;

import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.OpenAPIContract;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The OpenAPI contract with its schema validators built once. vertx-openapi 5.0.7 asks its schema
 * repository for a new validator for every parameter of every request, and building one copies
 * the repository's whole schema table: a JFR profile of {@code GET /api/products/{sku}} under load
 * put about a quarter of all CPU samples there. The contract never changes once loaded, and a
 * validator keeps no state between validations, so one per schema is reused.
 */
final class CachedValidators {

  private CachedValidators() {
  }

  static OpenAPIContract of(OpenAPIContract contract) {
    SchemaRepository repository = contract.getSchemaRepository();
    Map<JsonSchema, Validator> validators = Collections.synchronizedMap(new IdentityHashMap<>());
    SchemaRepository caching = proxy(SchemaRepository.class, repository, (method, args) ->
        method.getName().equals("validator") && args != null && args.length == 1 && args[0] instanceof JsonSchema schema
            ? validators.computeIfAbsent(schema, repository::validator) : NOT_MINE);
    return proxy(OpenAPIContract.class, contract, (method, args) ->
        method.getName().equals("getSchemaRepository") && (args == null || args.length == 0) ? caching : NOT_MINE);
  }

  private static final Object NOT_MINE = new Object();

  private interface Override {
    Object apply(Method method, Object[] args);
  }

  private static <T> T proxy(Class<T> type, T target, Override override) {
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (self, method, args) -> {
      Object mine = override.apply(method, args);
      if (mine != NOT_MINE) {
        return mine;
      }
      try {
        return method.invoke(target, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }));
  }
}
