package dev.microshop.web;

import dev.microshop.common.testing.TestPictures;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import static dev.microshop.common.testing.Await.await;
import static dev.microshop.common.testing.TestPictures.encode;
import static dev.microshop.common.testing.TestPictures.picture;
import static dev.microshop.web.WebRequests.send;
import static dev.microshop.web.WebRequests.admin;
import static dev.microshop.web.WebRequests.get;
import static dev.microshop.web.WebRequests.newCustomer;
import static dev.microshop.web.WebVerticleTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/** Products' pictures over HTTP, on the whole shop: served with their versions, uploaded by administrators only, checked by content. */
class ProductImageApiTest {

  private static final String SECRET = "image-test-secret-of-at-least-32-bytes";
  @RegisterExtension
  static final DeployedWeb web = DeployedWeb.withWholeShop("images", SECRET);

  @Test
  @DisplayName("every demo product has a picture: a 400 x 300 and an 800 x 600 JPEG at versioned URLs, cached for a year; a revalidation → 304")
  void served() throws Exception {
    JsonObject list = get(web, "/api/products?limit=200", null).bodyAsJsonObject();
    assertThat(list.getJsonArray("products")).hasSize(21);
    for (Object o : list.getJsonArray("products")) {
      JsonObject image = ((JsonObject) o).getJsonObject("image");
      assertThat(image).as("the picture of %s", o).isNotNull();
      for (String size : new String[] {"card", "page"}) {
        JsonObject link = image.getJsonObject(size);
        HttpResponse<Buffer> res = get(web, link.getString("url"), null);
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.getHeader("Content-Type")).isEqualTo("image/jpeg");
        assertThat(res.getHeader("Cache-Control")).isEqualTo("public, max-age=31536000, immutable");
        assertThat(res.getHeader("ETag")).isEqualTo("\"" + image.getString("version") + "-" + size + "\"");
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(res.body().getBytes()));
        assertThat(decoded.getWidth()).isEqualTo(link.getInteger("width"));
        assertThat(decoded.getHeight()).isEqualTo(link.getInteger("height"));
      }
    }
    JsonObject mug = get(web, "/api/products/MUG-CLASSIC", null).bodyAsJsonObject().getJsonObject("image");
    String etag = "\"" + mug.getString("version") + "-card\"";
    HttpResponse<Buffer> revalidated = await(web.client().get(web.port(), "127.0.0.1", mug.getJsonObject("card").getString("url"))
        .putHeader("If-None-Match", etag).send());
    assertThat(revalidated.statusCode()).isEqualTo(304);
    assertThat(revalidated.getHeader("ETag")).isEqualTo(etag);
    assertThat(revalidated.body()).isNull();
    HttpResponse<Buffer> unversioned = get(web, "/api/products/MUG-CLASSIC/image/card", null);
    assertThat(unversioned.getHeader("Cache-Control")).isEqualTo("no-cache");
    assertThat(unversioned.getHeader("ETag")).isEqualTo(etag);
    assertError(get(web, "/api/products/MUG-CLASSIC/image/huge", null), 400, "bad_request");
    assertError(get(web, "/api/products/NO-SUCH-SKU/image/card", null), 404, "not_found");
  }

  @Test
  @DisplayName("uploads: anonymous → 401, a customer → 403; an administrator's PNG replaces the picture: a new version in the catalog, the old URL revalidates to the new bytes, an audit entry")
  void upload() throws Exception {
    byte[] png = encode(picture(1600, 1200, true), "png");
    assertError(put("/api/admin/products/TOTE-CANVAS/image", null, png, "image/png"), 401, "unauthorized");
    assertError(put("/api/admin/products/TOTE-CANVAS/image", newCustomer(web), png, "image/png"), 403, "forbidden");
    String admin = admin(web);
    JsonObject before = get(web, "/api/products/TOTE-CANVAS", null).bodyAsJsonObject().getJsonObject("image");

    HttpResponse<Buffer> replaced = put("/api/admin/products/TOTE-CANVAS/image", admin, png, "image/png");
    assertThat(replaced.statusCode()).isEqualTo(200);
    JsonObject after = replaced.bodyAsJsonObject().getJsonObject("image");
    assertThat(after.getString("version")).isNotEqualTo(before.getString("version"));
    // read your write: the catalog shows it at once
    assertThat(get(web, "/api/products/TOTE-CANVAS", null).bodyAsJsonObject().getJsonObject("image")).isEqualTo(after);
    HttpResponse<Buffer> old = get(web, before.getJsonObject("page").getString("url"), null);
    assertThat(old.getHeader("ETag")).isEqualTo("\"" + after.getString("version") + "-page\"");
    assertThat(old.getHeader("Cache-Control")).as("an old version's URL is revalidated").isEqualTo("no-cache");
    BufferedImage served = ImageIO.read(new ByteArrayInputStream(get(web, after.getJsonObject("page").getString("url"), null).body().getBytes()));
    assertThat(served.getRGB(400, 300) & 0xff0000).as("the red middle of the uploaded picture").isGreaterThan(0xc00000);

    JsonObject entry = get(web, "/api/admin/audit", admin).bodyAsJsonObject().getJsonArray("entries").stream().map(JsonObject.class::cast)
        .filter(e -> e.getString("action").equals("image-replaced") && e.getString("target").equals("TOTE-CANVAS"))
        .findFirst().orElseThrow();
    assertThat(entry.getString("actorEmail")).isEqualTo("admin@microshop.local");
    assertThat(entry.getJsonObject("change").getString("version")).isEqualTo(after.getString("version"));
    assertError(put("/api/admin/products/NO-SUCH-SKU/image", admin, png, "image/png"), 404, "not_found");
  }

  @Test
  @DisplayName("refused uploads change nothing: a text file sent as a PNG or a non-image → 415, a PNG's signature on garbage → 400, more than 2 MiB → 413")
  void refused() throws Exception {
    String admin = admin(web);
    JsonObject before = get(web, "/api/products/CAP-BLACK", null).bodyAsJsonObject();
    assertError(put("/api/admin/products/CAP-BLACK/image", admin, "not a picture at all".getBytes(StandardCharsets.UTF_8), "image/png"),
        415, "unsupported_media_type");
    assertError(put("/api/admin/products/CAP-BLACK/image", admin, "%PDF-1.7\n%âãÏÓ\n".getBytes(StandardCharsets.UTF_8), "application/pdf"),
        415, "unsupported_media_type");
    assertError(put("/api/admin/products/CAP-BLACK/image", admin, encode(picture(40, 30, false), "gif"), "image/gif"),
        415, "unsupported_media_type");
    byte[] garbage = new byte[4096];
    System.arraycopy(encode(picture(400, 300, true), "png"), 0, garbage, 0, 33);
    assertError(put("/api/admin/products/CAP-BLACK/image", admin, garbage, "image/png"), 400, "bad_request");
    byte[] big = new byte[2 * 1024 * 1024 + 1];
    System.arraycopy(encode(picture(400, 300, false), "jpeg"), 0, big, 0, 100);
    assertError(put("/api/admin/products/CAP-BLACK/image", admin, big, "image/jpeg"), 413, "too_large");
    assertError(put("/api/admin/products/CAP-BLACK/image", admin, new byte[0], "image/png"), 400, "bad_request");
    assertThat(get(web, "/api/products/CAP-BLACK", null).bodyAsJsonObject()).isEqualTo(before);
    assertThat(get(web, "/api/admin/audit", admin).bodyAsJsonObject().getJsonArray("entries").stream().map(JsonObject.class::cast)
        .filter(e -> "CAP-BLACK".equals(e.getString("target")))).isEmpty();
  }

  @Test
  @DisplayName("a JPEG laden with metadata (EXIF location, comment, a script after its end) is stored re-encoded: the served files hold none of it")
  void metadataStripped() throws Exception {
    byte[] laden = TestPictures.withMetadata(encode(picture(1024, 768, false), "jpeg"));
    HttpResponse<Buffer> res = put("/api/admin/products/SOCKS-STRIPE/image", admin(web), laden, "image/jpeg");
    assertThat(res.statusCode()).isEqualTo(200);
    JsonObject image = res.bodyAsJsonObject().getJsonObject("image");
    for (String size : new String[] {"card", "page"}) {
      byte[] served = get(web, image.getJsonObject(size).getString("url"), null).body().getBytes();
      assertThat(new String(served, StandardCharsets.ISO_8859_1)).doesNotContain(TestPictures.HIDDEN);
      assertThat(TestPictures.indexOfMarker(served, 0xE1)).as("no EXIF segment").isEqualTo(-1);
      assertThat(TestPictures.indexOfMarker(served, 0xFE)).as("no comment").isEqualTo(-1);
    }
  }

  private static HttpResponse<Buffer> put(String path, String token, byte[] file, String contentType) throws Exception {
    HttpRequest<Buffer> req = web.client().put(web.port(), "127.0.0.1", path).putHeader("Content-Type", contentType);
    return await((token == null ? req : req.bearerTokenAuthentication(token)).sendBuffer(Buffer.buffer(file)));
  }
}
