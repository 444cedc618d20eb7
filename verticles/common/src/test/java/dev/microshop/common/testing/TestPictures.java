package dev.microshop.common.testing;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Picture files for the upload tests, written by the JDK: plain ones, and a JPEG laden with metadata. */
public final class TestPictures {

  /** What {@link #withMetadata} hides in a JPEG: none of it may be served back. */
  public static final String[] HIDDEN = {"Exif", "GPS", "private comment", "<script>"};

  private TestPictures() {
  }

  /** Blue, with a red band across the middle third. */
  public static BufferedImage picture(int w, int h, boolean alpha) {
    BufferedImage image = new BufferedImage(w, h, alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(Color.BLUE);
    g.fillRect(0, 0, w, h);
    g.setColor(Color.RED);
    g.fillRect(0, h / 3, w, h / 3 + 1);
    g.dispose();
    return image;
  }

  /** The file of {@code image} in {@code format} (png, jpeg, gif...); transparency flattened for those without. */
  public static byte[] encode(BufferedImage image, String format) {
    BufferedImage out = image;
    if (!format.equals("png") && image.getColorModel().hasAlpha()) {
      out = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
      out.createGraphics().drawImage(image, 0, 0, null);
    }
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      if (!ImageIO.write(out, format, bytes)) {
        throw new IllegalArgumentException("no ImageIO writer for " + format);
      }
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The JPEG with an EXIF segment (a location) and a comment after its start, and an HTML script after its end. */
  public static byte[] withMetadata(byte[] jpeg) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(jpeg, 0, 2); // SOI
    segment(out, 0xE1, "Exif\0\0GPS 48.8584 N 2.2945 E; camera: Pixel 9");
    segment(out, 0xFE, "a private comment");
    out.write(jpeg, 2, jpeg.length - 2);
    byte[] tail = "<script>alert(document.cookie)</script>".getBytes(StandardCharsets.ISO_8859_1);
    out.write(tail, 0, tail.length);
    return out.toByteArray();
  }

  /** Where the JPEG has a segment of {@code marker} (0xE1 for EXIF, 0xFE for a comment); -1 when it has none. */
  public static int indexOfMarker(byte[] jpeg, int marker) {
    for (int i = 0; i + 1 < jpeg.length; i++) {
      if ((jpeg[i] & 0xff) == 0xFF && (jpeg[i + 1] & 0xff) == marker) {
        return i;
      }
    }
    return -1;
  }

  private static void segment(ByteArrayOutputStream out, int marker, String text) {
    byte[] payload = text.getBytes(StandardCharsets.ISO_8859_1);
    out.write(0xFF);
    out.write(marker);
    int length = payload.length + 2;
    out.write(length >> 8);
    out.write(length & 0xff);
    out.write(payload, 0, payload.length);
  }
}
