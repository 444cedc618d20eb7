package dev.microshop.app;

import dev.microshop.common.MicroshopVertx;
import dev.microshop.common.db.EmbeddedPostgresServer;
import dev.microshop.common.testing.TestData;
import dev.microshop.common.testing.TestPictures;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.LONG;

/**
 * The store front in real headless Chromium (Debian's chromium and chromedriver), against the
 * whole shop. Screenshots of the catalog, an order's timeline and the dashboard are kept under
 * {@code app/target/screenshots/}, and of any failing test too.
 */
class StoreFrontIT {

  static final Path SHOTS = ShopProcess.REPO.resolve("app/target/screenshots");
  private static Vertx vertx;
  private static String base;
  private WebDriver browser;
  private WebDriverWait wait;
  private String test;

  /** Runs after @AfterEach: so the browser is closed here, after a failing test's screenshot. */
  @RegisterExtension
  final TestWatcher screenshotOnFailure = new TestWatcher() {
    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
      shot("FAILED-" + context.getRequiredTestMethod().getName());
      quit();
    }

    @Override
    public void testSuccessful(ExtensionContext context) {
      quit();
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
      quit();
    }
  };

  @BeforeAll
  static void startShop() throws Exception {
    Files.createDirectories(SHOTS);
    Path data = TestData.freshDataDir("storefront");
    int port = ShopProcess.freePort();
    JsonObject service = TestData.serviceConfig(data);
    JsonObject config = new JsonObject()
        .put("inventory", service)
        .put("customer", service.copy().put("default-credit-limit", "100.00"))
        .put("order", service)
        .put("shipping", service.copy().put("courier", new JsonObject()
            .put("prepare-delay-ms", 4000).put("delivery-delay-ms", 3000).put("tick-ms", 100)))
        .put("history", service)
        .put("web", new JsonObject().put("http", new JsonObject().put("port", port).put("host", "127.0.0.1"))
            .put("auth", new JsonObject().put("dev-secret-file", data.resolveSibling("jwt").toString())));
    config.getJsonObject("web").getJsonObject("http").put("webroot", ShopProcess.REPO.resolve("webroot").toString());
    config.getJsonObject("web").put("services", new io.vertx.core.json.JsonArray()
        .add("inventory").add("customer").add("order").add("shipping").add("history"));
    vertx = MicroshopVertx.localVertx();
    await(vertx.deployVerticle(AllInOneVerticle::new, new DeploymentOptions().setConfig(config)));
    base = "http://127.0.0.1:" + port + "/";
  }

  @AfterAll
  static void stopShop() throws Exception {
    await(vertx.close());
    EmbeddedPostgresServer.stopAll();
  }

  @BeforeEach
  void openBrowser(TestInfo info) {
    test = info.getTestMethod().map(m -> m.getName()).orElse("test");
    ChromeOptions options = new ChromeOptions()
        .setBinary(System.getProperty("chromium.binary", "/usr/bin/chromium"))
        .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--window-size=1280,1000",
            "--user-data-dir=" + SHOTS.resolveSibling("chrome-profile-" + UUID.randomUUID()));
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(System.getProperty("chromedriver.binary", "/usr/bin/chromedriver")))
        .usingAnyFreePort().build();
    browser = new ChromeDriver(service, options);
    wait = new WebDriverWait(browser, Duration.ofSeconds(20));
  }

  private void quit() {
    if (browser != null) {
      browser.quit();
      browser = null;
    }
  }

  @Test
  @DisplayName("a shopper registers, adds two products, checks out with a delivery address and sees the timeline reach approved, then shipped, without a reload, with the address; the next checkout offers it again, and My orders lists it")
  void shopAndFollowTheOrder() {
    browser.get(base);
    wait.until(ExpectedConditions.numberOfElementsToBeMoreThan(By.cssSelector("#products li"), 10));
    // every card shows its product's picture (the lazy ones below the fold once scrolled to), in a box reserved for it
    assertThat(script("return [...document.querySelectorAll('#products li')].filter((li) => {"
        + " const img = li.querySelector('img.picture.card'); return !img || img.getAttribute('width') !== '400'"
        + " || img.getAttribute('height') !== '300' || !img.src.includes('/api/products/' + li.dataset.sku + '/image/card?v='); }).length;"))
        .isEqualTo(0L);
    script("window.scrollTo(0, document.body.scrollHeight);");
    wait.until(d -> Long.valueOf(12).equals(script("return [...document.querySelectorAll('#products img.picture')]"
        + ".filter((img) => img.complete && img.naturalWidth > 0).length;")));
    script("window.scrollTo(0, 0);");
    shot("catalog");
    go("#/product/HEADPHONES-OVER");
    wait.until(d -> Boolean.TRUE.equals(script("const img = document.querySelector('#view img.picture.page');"
        + " return !!img && img.alt === 'Over-ear headphones' && img.complete && img.naturalWidth > 0;")));
    shot("product");
    register();
    addToCart("MUG-CLASSIC");
    addToCart("NOTEBOOK-A5");
    assertThat(browser.findElement(By.id("cart-count")).getText()).isEqualTo("2");

    go("#/cart");
    checkout();
    wait.until(ExpectedConditions.urlContains("#/orders/"));
    ((JavascriptExecutor) browser).executeScript("window.__sameDocument = 'yes';");
    waitForStatus("APPROVED");
    assertThat(timeline()).contains("Order placed", "Stock reserved", "Credit reserved", "Approved");
    waitForStatus("SHIPPED");
    assertThat(timeline()).contains("Shipped");
    assertThat(((JavascriptExecutor) browser).executeScript("return window.__sameDocument")).isEqualTo("yes");
    assertThat(browser.findElement(By.id("order-total")).getText()).contains("24.40"); // 12.90 + 11.50
    assertThat(browser.findElement(By.id("order-address")).getText())
        .isEqualTo("Delivering to: Ada Lovelace, 12 Rue de Rivoli, 75001 Paris, France");
    // each line by its product's name (from the catalog), its sku below; the page's title above its status line
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("tr[data-sku='MUG-CLASSIC'] .product-name"), "Classic mug"));
    wait.until(d -> Boolean.TRUE.equals(script("return [...document.querySelectorAll('tr[data-sku] .thumb img')]"
        + ".filter((img) => img.complete && img.naturalWidth > 0).length === 2;"))); // and its picture
    assertThat(browser.findElement(By.cssSelector("tr[data-sku='NOTEBOOK-A5'] .sku")).getText()).isEqualTo("NOTEBOOK-A5");
    assertThat(browser.findElement(By.id("page-title")).getLocation().getY())
        .isLessThan(browser.findElement(By.id("status")).getLocation().getY());
    shot("order-timeline");

    // the next checkout offers the last order's address (from the history view), and My orders lists it
    addToCart("PEN-GEL-3");
    go("#/cart");
    wait.until(d -> "Paris".equals(d.findElement(By.id("address-city")).getAttribute("value")));
    assertThat(browser.findElement(By.id("address-street")).getAttribute("value")).isEqualTo("12 Rue de Rivoli");
    shot("checkout");
    browser.findElement(By.id("checkout")).click();
    wait.until(ExpectedConditions.urlContains("#/orders/"));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("order-address"), "75001 Paris"));
    go("#/orders");
    wait.until(d -> d.findElements(By.xpath("//td[contains(., '12 Rue de Rivoli, 75001 Paris, France')]")).size() == 2);
  }

  @Test
  @DisplayName("the catalog by category (in the URL: linked and reloaded), sorted by price, searched by description, paged by 12")
  void categoriesSearchSortAndPages() {
    browser.get(base + "#/?category=apparel&sort=-price");
    wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#products li"), 6));
    assertThat(skus()).first().isEqualTo("HOODIE-GREY"); // 49.90, the dearest
    assertThat(browser.findElement(By.id("page-title")).getText()).isEqualTo("Apparel");
    assertThat(browser.findElement(By.cssSelector("#categories a[aria-current='page']")).getText()).isEqualTo("Apparel (6)");
    assertThat(browser.findElement(By.id("sort")).getAttribute("value")).isEqualTo("-price");
    browser.findElement(By.cssSelector("#categories a[data-category='drinkware']")).click();
    wait.until(ExpectedConditions.urlContains("category=drinkware"));
    wait.until(d -> skus().equals(List.of("BOTTLE-STEEL", "MUG-TRAVEL", "MUG-CLASSIC")));
    browser.navigate().refresh(); // a reload keeps the category and the sort
    wait.until(d -> skus().equals(List.of("BOTTLE-STEEL", "MUG-TRAVEL", "MUG-CLASSIC")));
    shot("catalog-category");

    go("#/?q=dishwasher");
    wait.until(d -> skus().equals(List.of("MUG-CLASSIC")));
    go("#/");
    wait.until(ExpectedConditions.textToBe(By.id("page-of"), "Page 1 of 2"));
    assertThat(skus()).hasSize(12).first().isEqualTo("BOOK-VERTX");
    browser.findElement(By.cssSelector("#pager a[rel='next']")).click();
    wait.until(ExpectedConditions.textToBe(By.id("page-of"), "Page 2 of 2"));
    assertThat(skus()).hasSize(9).contains("STICKERS-10").doesNotContain("BOOK-VERTX");
  }

  /** The skus of the catalog's cards, in their order. */
  private List<String> skus() {
    @SuppressWarnings("unchecked")
    List<String> skus = (List<String>) script("return [...document.querySelectorAll('#products li')].map((li) => li.dataset.sku);");
    return skus;
  }

  @Test
  @DisplayName("an order beyond the credit limit shows rejected with its reason")
  void beyondCredit() {
    browser.get(base);
    register();
    go("#/product/KEYBOARD-MECH");
    WebElement quantity = wait.until(ExpectedConditions.elementToBeClickable(By.id("quantity")));
    quantity.clear();
    quantity.sendKeys("2");
    browser.findElement(By.cssSelector("form.card-actions button[type=submit]")).click();
    go("#/cart");
    checkout();
    waitForStatus("REJECTED");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("reason"), "insufficient credit"));
    assertThat(browser.findElement(By.id("reason")).isDisplayed()).isTrue();
    assertThat(timeline()).contains("Credit refused", "Stock released", "Rejected");
  }

  @Test
  @DisplayName("cancelling an approved order shows cancelled, and the credit comes back")
  void cancel() {
    browser.get(base);
    register();
    addToCart("STICKERS-10");
    go("#/cart");
    checkout();
    waitForStatus("APPROVED");
    wait.until(ExpectedConditions.elementToBeClickable(By.id("cancel"))).click();
    waitForStatus("CANCELLED");
    assertThat(timeline()).contains("Cancellation requested", "Cancelled");
    go("#/account");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("available-credit"), "100.00"));
  }

  @Test
  @DisplayName("a customer cannot open the admin page; the administrator sees the live dashboard, its charts move with the orders placed, and a restock in the audit trail with its actor")
  void adminOnly() {
    browser.get(base);
    register();
    // orders placed through the store front's own api(), to show in the dashboard's charts
    Object placed = ((JavascriptExecutor) browser).executeAsyncScript("const done = arguments[arguments.length - 1];"
        + "Promise.all([1, 2, 3, 4].map(() => api('POST', '/api/orders', { lines: [{ sku: 'PEN-GEL-3', quantity: 1 }] },"
        + " { 'Idempotency-Key': crypto.randomUUID() }))).then((r) => done(r.length), (e) => done('failed: ' + e.message));");
    assertThat(placed).isEqualTo(4L);
    go("#/admin");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("forbidden")));
    assertThat(browser.findElements(By.id("add-product"))).isEmpty();

    browser.findElement(By.id("logout")).click();
    go("#/login");
    wait.until(ExpectedConditions.elementToBeClickable(By.id("login-email"))).sendKeys("admin@microshop.local");
    browser.findElement(By.id("login-password")).sendKeys("microshop-admin-dev");
    browser.findElement(By.cssSelector("#login-form button")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.linkText("Dashboard")));
    go("#/dashboard");
    wait.until(ExpectedConditions.numberOfElementsToBeMoreThan(By.cssSelector("#services tr"), 5));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("services"), "UP"));
    wait.until(ExpectedConditions.numberOfElementsToBeMoreThan(By.cssSelector("#event-lag tr"), 2));
    String first = browser.findElement(By.id("dashboard-updated")).getText();
    wait.until(d -> !d.findElement(By.id("dashboard-updated")).getText().equals(first)); // it updates live
    // the charts: the approvals of the orders above rise above the baseline, and new samples keep coming
    new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d).executeScript(
        "const p = document.querySelector('#chart-orders path[data-line=\"approved\"]');"
            + " const zero = parseFloat(document.querySelector('#chart-orders svg').dataset.baseline);"
            + " return !!p && [...p.getAttribute('d').matchAll(/,([0-9.]+)/g)].some((m) => parseFloat(m[1]) < zero - 1);")));
    // read in one script each: the charts are redrawn every 2 s
    assertThat(script("return document.querySelector('#chart-latency .legend').textContent;")).asString().contains("p50", "p99");
    assertThat(script("return document.querySelectorAll('#chart-lag path.line').length;")).asInstanceOf(LONG).isPositive();
    String placedLine = "return document.querySelector('#chart-orders path[data-line=\"placed\"]').getAttribute('d');";
    Object drawn = script(placedLine);
    new WebDriverWait(browser, Duration.ofSeconds(15)).until(d -> !script(placedLine).equals(drawn)); // a new sample
    // the tables and charts fit their panels, at 1280 px and on a phone
    assertThat(overflowingPanels()).isEmpty();
    shot("dashboard");
    browser.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844));
    assertThat(overflowingPanels()).as("on a phone").isEmpty();
    shot("dashboard-phone");
    browser.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 1000));
    go("#/admin");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("add-product")));
    assertThat(overflowingPanels()).as("the admin page's forms fit their panels").isEmpty();
    // an admin action shows in the audit trail, with who did it
    browser.findElement(By.cssSelector("#restock input[name='sku']")).sendKeys("PEN-GEL-3");
    browser.findElement(By.cssSelector("#restock input[name='quantity']")).sendKeys("3");
    browser.findElement(By.cssSelector("#restock button")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("audit"), "inventory: PEN-GEL-3"));
    String audit = browser.findElement(By.id("audit")).getText();
    assertThat(audit).contains("restocked").contains("admin@microshop.local").contains("quantity 3");
    // a new picture for a product: a text file named .png is refused by its content, a real PNG replaces the picture
    browser.findElement(By.cssSelector("#picture input[name='sku']")).sendKeys("STICKERS-10");
    browser.findElement(By.cssSelector("#picture input[name='file']")).sendKeys(file("fake.png", "not a picture".getBytes()).toString());
    browser.findElement(By.cssSelector("#picture button")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "not a PNG, JPEG or WebP image"));
    browser.findElement(By.cssSelector("#picture input[name='file']")).sendKeys(
        file("stickers.png", TestPictures.encode(TestPictures.picture(1200, 900, false), "png")).toString());
    browser.findElement(By.cssSelector("#picture button")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "Sticker pack (STICKERS-10) has a new picture."));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("audit"), "inventory: STICKERS-10"));
    assertThat(browser.findElement(By.id("audit")).getText()).contains("image replaced", "source png");
    ((JavascriptExecutor) browser).executeScript("document.getElementById('audit').scrollIntoView({block: 'center'});");
    shot("admin-audit");
    // an order's trace, from the recent orders' list: a waterfall of the web's, the order's, the inventory's and the
    // customer's spans, and, once the order is delivered (the courier takes 4 + 3 s), the shipping's and the
    // history's, which join it through the event logs: the page is opened again until they show
    wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("#recent-orders a"))).click();
    wait.until(ExpectedConditions.urlContains("#/admin/trace/"));
    String services = "return [...new Set([...document.querySelectorAll('#waterfall tbody tr')].map((tr) => tr.dataset.service))];";
    new WebDriverWait(browser, Duration.ofSeconds(45)).pollingEvery(Duration.ofSeconds(3)).until(d -> {
      if (((List<?>) script(services)).containsAll(List.of("shipping", "history"))) {
        return true;
      }
      d.navigate().refresh();
      return false;
    });
    assertThat(script(services)).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
        .contains("web", "order", "inventory", "customer", "shipping", "history");
    assertThat(browser.findElement(By.id("waterfall")).getText()).contains("POST /api/orders", "saga reserve-stock", "saga reserve-credit",
        "apply order.approved", "courier ship");
    assertThat(overflowingPanels()).as("the waterfall fits its panel").isEmpty();
    shot("trace");
  }

  /** A file to upload through the browser, in the screenshots' folder (the browser runs on this machine). */
  private static java.nio.file.Path file(String name, byte[] content) {
    try {
      return Files.write(SHOTS.resolve(name).toAbsolutePath(), content);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private Object script(String js) {
    return ((JavascriptExecutor) browser).executeScript(js);
  }

  /** The dashboard's panels whose content is wider than they are (a table that overflows sideways). */
  @SuppressWarnings("unchecked")
  private List<Object> overflowingPanels() {
    return (List<Object>) ((JavascriptExecutor) browser).executeScript("return [...document.querySelectorAll('.panel')]"
        + ".filter((p) => p.scrollWidth > p.clientWidth + 1).map((p) => p.querySelector('h2').textContent);");
  }

  /** Fills the cart's delivery address (the form asks for every field) and places the order. */
  private void checkout() {
    wait.until(ExpectedConditions.elementToBeClickable(By.id("checkout")));
    String[][] address = {{"name", "Ada Lovelace"}, {"street", "12 Rue de Rivoli"}, {"postcode", "75001"}, {"city", "Paris"},
        {"country", "fr"}};
    for (String[] f : address) {
      WebElement input = browser.findElement(By.id("address-" + f[0]));
      input.clear();
      input.sendKeys(f[1]);
    }
    browser.findElement(By.id("checkout")).click();
  }

  private void register() {
    go("#/register");
    wait.until(ExpectedConditions.elementToBeClickable(By.id("reg-name"))).sendKeys("Grace Hopper");
    browser.findElement(By.id("reg-email")).sendKeys("grace-" + UUID.randomUUID() + "@example.com");
    browser.findElement(By.id("reg-password")).sendKeys("a long password");
    browser.findElement(By.cssSelector("#register-form button")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("logout")));
  }

  private void addToCart(String sku) {
    go("#/?q=" + sku); // the catalog pages by 12: a search finds any product
    wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("li[data-sku='" + sku + "'] button.add"))).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "added to your cart"));
  }

  private void go(String hash) {
    ((JavascriptExecutor) browser).executeScript("location.hash = arguments[0];", hash);
  }

  private void waitForStatus(String status) {
    new WebDriverWait(browser, Duration.ofSeconds(30))
        .until(ExpectedConditions.textToBe(By.id("order-status"), status));
  }

  private String timeline() {
    return browser.findElement(By.id("timeline")).getText();
  }

  private void shot(String name) {
    try {
      File f = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
      Files.copy(f.toPath(), SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    } catch (Exception e) {
      System.err.println("no screenshot of " + test + ": " + e.getMessage());
    }
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
