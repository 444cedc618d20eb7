package dev.microshop.inventory.images;

import dev.microshop.common.failure.FailureCode;
import dev.microshop.common.failure.ServiceException;
import dev.microshop.common.testing.TestPictures;
import dev.microshop.inventory.api.ImageSize;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static dev.microshop.common.testing.TestPictures.encode;
import static dev.microshop.common.testing.TestPictures.indexOfMarker;
import static dev.microshop.common.testing.TestPictures.picture;
import static dev.microshop.common.testing.TestPictures.withMetadata;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What an upload becomes: real files of each kind, through the same code the inventory runs. */
class ProductImagesTest {

  @Test
  @DisplayName("a PNG, a JPEG and a WebP each become a 400 x 300 card and an 800 x 600 page JPEG, cropped to 4:3 around the centre")
  void acceptedKinds() throws Exception {
    for (byte[] file : new byte[][] {encode(picture(1200, 900, true), "png"), encode(picture(900, 1200, false), "jpeg"), webp()}) {
      ProductImages.Encoded e = ProductImages.fromUpload(file);
      for (ImageSize size : ImageSize.values()) {
        BufferedImage served = ImageIO.read(new ByteArrayInputStream(e.bytes().get(size)));
        assertThat(served.getWidth()).isEqualTo(size.width());
        assertThat(served.getHeight()).isEqualTo(size.height());
        assertThat(ProductImages.format(e.bytes().get(size))).isEqualTo("jpeg");
      }
      assertThat(e.version()).matches("[0-9a-f]{16}");
    }
    // a tall picture is cropped, not squashed: rows 262 to 937 of 1200 are kept, so its red band
    // (rows 400 to 800) covers rows 123 to 478 of 600 (squashed, 200 to 400)
    BufferedImage page = ImageIO.read(new ByteArrayInputStream(
        ProductImages.fromUpload(encode(picture(900, 1200, false), "png")).bytes().get(ImageSize.PAGE)));
    assertThat(new Color(page.getRGB(400, 300)).getRed()).isGreaterThan(200);
    assertThat(new Color(page.getRGB(400, 150)).getRed()).as("cropped, not squashed").isGreaterThan(200);
    assertThat(new Color(page.getRGB(400, 20)).getBlue()).as("the top is still blue").isGreaterThan(200);
  }

  @Test
  @DisplayName("the same picture gets the same version; another picture another")
  void versions() throws Exception {
    byte[] png = encode(picture(800, 600, true), "png");
    String version = ProductImages.fromUpload(png).version();
    assertThat(ProductImages.fromUpload(png).version()).isEqualTo(version);
    assertThat(ProductImages.fromUpload(encode(picture(600, 800, true), "png")).version()).isNotEqualTo(version);
  }

  @Test
  @DisplayName("checked by content: text or HTML with an image's name, a GIF, an SVG, a PDF → 415; a PNG's signature on garbage → 400")
  void refusedByContent() throws Exception {
    assertRefused("hello, I am a .png".getBytes(StandardCharsets.UTF_8), FailureCode.UNSUPPORTED_MEDIA_TYPE);
    assertRefused("<html><script>alert(1)</script></html>".getBytes(StandardCharsets.UTF_8), FailureCode.UNSUPPORTED_MEDIA_TYPE);
    assertRefused(encode(picture(40, 30, true), "gif"), FailureCode.UNSUPPORTED_MEDIA_TYPE);
    assertRefused("<svg xmlns=\"http://www.w3.org/2000/svg\"/>".getBytes(StandardCharsets.UTF_8), FailureCode.UNSUPPORTED_MEDIA_TYPE);
    assertRefused("%PDF-1.4\n".getBytes(StandardCharsets.UTF_8), FailureCode.UNSUPPORTED_MEDIA_TYPE);
    assertRefused(new byte[0], FailureCode.UNSUPPORTED_MEDIA_TYPE);
    byte[] png = encode(picture(400, 300, true), "png");
    byte[] broken = new byte[200];
    System.arraycopy(png, 0, broken, 0, 40); // a signature and a header, then zeros
    assertRefused(broken, FailureCode.BAD_REQUEST);
  }

  @Test
  @DisplayName("too large: more than 2 MiB of file → 413; a small file that claims more than 40 megapixels → 413 before it is decoded")
  void tooLarge() throws Exception {
    byte[] png = encode(picture(400, 300, true), "png");
    byte[] big = new byte[ImageSize.MAX_UPLOAD_BYTES + 1];
    System.arraycopy(png, 0, big, 0, png.length);
    assertRefused(big, FailureCode.TOO_LARGE);
    byte[] huge = encode(new BufferedImage(8000, 6000, BufferedImage.TYPE_BYTE_BINARY), "png"); // 48 megapixels
    assertThat(huge.length).isLessThan(ImageSize.MAX_UPLOAD_BYTES);
    assertRefused(huge, FailureCode.TOO_LARGE);
  }

  @Test
  @DisplayName("a JPEG full of metadata (EXIF with a location, a comment) and a script after its end: what is served holds none of it")
  void metadataStripped() throws Exception {
    byte[] laden = withMetadata(encode(picture(1024, 768, true), "jpeg"));
    assertThat(new String(laden, StandardCharsets.ISO_8859_1)).contains("GPS 48.8584 N 2.2945 E", "a private comment", "<script>");
    ProductImages.Encoded e = ProductImages.fromUpload(laden);
    for (byte[] served : e.bytes().values()) {
      String text = new String(served, StandardCharsets.ISO_8859_1);
      assertThat(text).doesNotContain(TestPictures.HIDDEN);
      assertThat(indexOfMarker(served, 0xE1)).as("no APP1 (EXIF) segment").isEqualTo(-1);
      assertThat(indexOfMarker(served, 0xFE)).as("no comment segment").isEqualTo(-1);
      assertThat(served[served.length - 2] & 0xff).isEqualTo(0xFF);
      assertThat(served[served.length - 1] & 0xff).as("nothing after the end of the image").isEqualTo(0xD9);
    }
  }

  @Test
  @DisplayName("every demo product has a drawn picture, and a product it doesn't know gets a parcel")
  void demoPictures() {
    for (String sku : new String[] {"MUG-CLASSIC", "BOOK-VERTX", "PLANT-SUCCULENT", "KEYBOARD-MECH"}) {
      assertThat(DemoPictures.has(sku)).isTrue();
      BufferedImage drawn = DemoPictures.draw(sku, "tech");
      assertThat(drawn.getWidth()).isEqualTo(800);
      assertThat(drawn.getHeight()).isEqualTo(600);
    }
    assertThat(DemoPictures.has("NOT-A-DEMO")).isFalse();
    assertThat(ProductImages.encode(DemoPictures.draw("NOT-A-DEMO", "other"), "drawn").bytes()).hasSize(2);
  }

  private static void assertRefused(byte[] file, FailureCode code) {
    assertThatThrownBy(() -> ProductImages.fromUpload(file))
        .isInstanceOfSatisfying(ServiceException.class, e -> {
          assertThat(e.code()).isEqualTo(code);
          assertThat(e.getMessage()).isNotBlank();
        });
  }

  /** A WebP made by Debian's cwebp (the JDK writes none): 300 x 300, lossy. */
  private static byte[] webp() throws IOException {
    try (InputStream in = ProductImagesTest.class.getResourceAsStream("/images/plant-300x300.webp")) {
      return in.readAllBytes();
    }
  }
}
