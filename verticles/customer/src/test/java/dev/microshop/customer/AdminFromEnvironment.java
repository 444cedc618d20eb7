package dev.microshop.customer;

import dev.microshop.common.db.EmbeddedPostgresServer;
import dev.microshop.common.testing.Await;
import dev.microshop.common.testing.TestData;
import dev.microshop.customer.api.CustomerAddresses;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;

/**
 * Run in a child JVM by {@link CustomerVerticleTest}, with {@code MICROSHOP_ADMIN_EMAIL} and
 * {@code MICROSHOP_ADMIN_PASSWORD} in its environment: starts the customer service on a fresh
 * database (the development administrator in its configuration, as shipped), tries to log in as
 * the configured administrator and as the development one, and prints each outcome on a line of
 * its own ({@code configured admin}, {@code development 401}, ...).
 */
public final class AdminFromEnvironment {

  public static void main(String[] args) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Await.await(vertx.deployVerticle(CustomerVerticle::new,
          new DeploymentOptions().setConfig(TestData.serviceConfig(Path.of(args[0])))));
      System.out.println("configured " + logIn(vertx, System.getenv("MICROSHOP_ADMIN_EMAIL"), System.getenv("MICROSHOP_ADMIN_PASSWORD")));
      System.out.println("development " + logIn(vertx, "admin@microshop.local", "microshop-admin-dev"));
    } finally {
      Await.await(vertx.close());
      EmbeddedPostgresServer.stopAll();
    }
  }

  /** The role of whom the credentials log in, or the failure code. */
  private static String logIn(Vertx vertx, String email, String password) throws Exception {
    try {
      return Await.request(vertx, CustomerAddresses.AUTHENTICATE, new JsonObject().put("email", email).put("password", password))
          .getString("role");
    } catch (ReplyException e) {
      return String.valueOf(e.failureCode());
    }
  }
}
