package dev.microshop.app;

import dev.microshop.common.testing.TestData;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The curl session of the README works as printed, against the all-in-one fat jar. */
class ReadmeSessionIT {

  @Test
  @DisplayName("the README's curl session registers, logs in, orders, reads the status and cancels")
  void curlSession() throws Exception {
    String readme = Files.readString(ShopProcess.REPO.resolve("README.md"));
    int marker = readme.indexOf("<!-- curl-session -->");
    assertThat(marker).as("the README marks its curl session").isPositive();
    int start = readme.indexOf("```sh\n", marker) + "```sh\n".length();
    String block = readme.substring(start, readme.indexOf("```", start));

    Path data = TestData.freshDataDir("readme");
    int port = ShopProcess.freePort();
    try (ShopProcess shop = ShopProcess.start("readme", "app/target/microshop-fat.jar", Map.of(
        "MICROSHOP_SHARED_DB_EMBEDDED_DATA_DIR", data.toString(),
        "MICROSHOP_WEB_AUTH_DEV_SECRET_FILE", data.resolveSibling("jwt").toString(),
        "MICROSHOP_WEB_HTTP_PORT", Integer.toString(port)))) {
      shop.awaitOk("http://127.0.0.1:" + port + "/health", Duration.ofSeconds(90));
      String script = "set -euo pipefail\n" + block.replace("localhost:8080", "127.0.0.1:" + port);
      Process bash = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).start();
      String out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(bash.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(bash.exitValue()).as(out).isZero();

      List<String> lines = out.lines().toList();
      assertThat(lines).hasSize(5);
      assertThat(lines.get(0)).contains("\"name\":\"Ada Lovelace\"", "\"availableCredit\":\"1000.00\"");
      assertThat(lines.get(1)).contains("\"status\":\"APPROVED\"", "\"total\":\"37.30\"", "\"price\":\"12.90\"",
          "\"event\":\"STOCK_RESERVED\"", "\"event\":\"CREDIT_RESERVED\"");
      assertThat(lines.get(2)).contains("\"reservedCredit\":\"37.30\"", "\"availableCredit\":\"962.70\"");
      assertThat(lines.get(3)).contains("\"status\":\"CANCELLED\"", "\"event\":\"CREDIT_RELEASED\"");
      assertThat(lines.get(4)).contains("\"reservedCredit\":\"0.00\"", "\"availableCredit\":\"1000.00\"");
    }
  }
}
