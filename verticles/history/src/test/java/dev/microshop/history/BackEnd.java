package dev.microshop.history;

import dev.microshop.common.db.EmbeddedPostgresServer;
import dev.microshop.order.Shop;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The whole back end of one test class ({@link HistoryFixture#start}), as a JUnit extension: started
 * before the class's tests, closed after them with the embedded databases it started.
 */
final class BackEnd implements BeforeAllCallback, AfterAllCallback {

  private final String name;
  private final long prepareMs;
  private final long deliveryMs;
  private Shop shop;

  BackEnd(String name, long prepareMs, long deliveryMs) {
    this.name = name;
    this.prepareMs = prepareMs;
    this.deliveryMs = deliveryMs;
  }

  Shop shop() {
    return shop;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    shop = HistoryFixture.start(name, prepareMs, deliveryMs);
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    shop.close();
    EmbeddedPostgresServer.stopAll();
  }
}
