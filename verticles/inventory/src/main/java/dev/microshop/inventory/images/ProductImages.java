package dev.microshop.inventory.images;

import dev.microshop.common.failure.ServiceException;
import dev.microshop.inventory.api.ImageSize;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/**
 * A product's picture as the shop serves it: whatever an administrator uploads is checked by its
 * content (PNG, JPEG or WebP, by their signatures; never by a name or a declared type), decoded
 * (at most {@link ImageSize#MAX_PIXELS}), cropped to 4:3 around its centre, scaled to each
 * {@link ImageSize} and written again as a baseline JPEG without metadata. Nothing of the uploaded
 * file is served back: no EXIF (location, camera), no comment, no trailing bytes of a polyglot.
 * Blocking (CPU): run it off the event loop.
 */
public final class ProductImages {

  /** JPEG quality of what is served: a photo looks right; the demo pictures weigh
   *  about 7 kB as a card and 20 kB as a page (MUG-CLASSIC's card 7,349 bytes, HEADPHONES-OVER's page 19,686). */
  private static final float QUALITY = 0.85f;

  static {
    ImageIO.setUseCache(false); // decode in memory, no temporary files
  }

  /** The served JPEG of each size, and their version: a hash of their bytes (the same picture, the same version). */
  public record Encoded(String version, Map<ImageSize, byte[]> bytes, String source) {

    /** The JPEGs of every size, already encoded, with their version (loads neither AWT nor ImageIO). */
    public static Encoded of(Map<ImageSize, byte[]> bytes, String source) {
      MessageDigest sha;
      try {
        sha = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
      Map<ImageSize, byte[]> all = new EnumMap<>(ImageSize.class);
      for (ImageSize size : ImageSize.values()) {
        all.put(size, Objects.requireNonNull(bytes.get(size), size.key()));
        sha.update(all.get(size));
      }
      return new Encoded(HexFormat.of().formatHex(sha.digest(), 0, 8), all, source);
    }
  }

  private ProductImages() {
  }

  /** Checks, decodes and re-encodes an uploaded file; a clear {@link ServiceException} for anything it refuses. */
  public static Encoded fromUpload(byte[] file) {
    if (file.length > ImageSize.MAX_UPLOAD_BYTES) {
      throw ServiceException.tooLarge("the image is " + file.length + " bytes: at most " + ImageSize.MAX_UPLOAD_BYTES);
    }
    String format = format(file);
    if (format == null) {
      throw ServiceException.unsupportedMediaType("the file is not a PNG, JPEG or WebP image (its content was checked, not its name)");
    }
    return encode(decode(file, format), format);
  }

  /** The served sizes of a picture drawn or decoded here. */
  public static Encoded encode(BufferedImage picture, String source) {
    Map<ImageSize, byte[]> bytes = new EnumMap<>(ImageSize.class);
    for (ImageSize size : ImageSize.values()) {
      bytes.put(size, jpeg(fit(picture, size.width(), size.height())));
    }
    return Encoded.of(bytes, source);
  }

  /** {@code png}, {@code jpeg} or {@code webp} by the file's signature; null for anything else. */
  static String format(byte[] f) {
    if (f.length >= 8 && (f[0] & 0xff) == 0x89 && f[1] == 'P' && f[2] == 'N' && f[3] == 'G'
        && f[4] == 0x0d && f[5] == 0x0a && f[6] == 0x1a && f[7] == 0x0a) {
      return "png";
    }
    if (f.length >= 3 && (f[0] & 0xff) == 0xff && (f[1] & 0xff) == 0xd8 && (f[2] & 0xff) == 0xff) {
      return "jpeg";
    }
    if (f.length >= 12 && f[0] == 'R' && f[1] == 'I' && f[2] == 'F' && f[3] == 'F'
        && f[8] == 'W' && f[9] == 'E' && f[10] == 'B' && f[11] == 'P') {
      return "webp";
    }
    return null;
  }

  private static BufferedImage decode(byte[] file, String format) {
    Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
    if (!readers.hasNext()) {
      throw new IllegalStateException("no ImageIO reader for " + format);
    }
    ImageReader reader = readers.next();
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(file))) {
      reader.setInput(in, true, true); // one image, metadata ignored
      long width = reader.getWidth(0);
      long height = reader.getHeight(0);
      if (width * height > ImageSize.MAX_PIXELS) {
        throw ServiceException.tooLarge("the image is " + width + " x " + height + " pixels: at most "
            + ImageSize.MAX_PIXELS / 1_000_000 + " megapixels");
      }
      // every n-th pixel of a picture many times larger than the page's: its memory stays small
      // (a 40-megapixel picture would take 160 MB decoded whole), and what is left is still twice as large
      ImageReadParam param = reader.getDefaultReadParam();
      int n = (int) Math.max(1, Math.min(width / (2L * ImageSize.PAGE.width()), height / (2L * ImageSize.PAGE.height())));
      param.setSourceSubsampling(n, n, 0, 0);
      BufferedImage image = reader.read(0, param);
      if (image == null || image.getWidth() < 1 || image.getHeight() < 1) {
        throw ServiceException.badRequest("the " + label(format) + " image has no pixels");
      }
      return image;
    } catch (IOException | RuntimeException e) {
      if (e instanceof ServiceException se) {
        throw se;
      }
      throw ServiceException.badRequest("the file starts as a " + label(format) + " image but does not decode as one");
    } finally {
      reader.dispose();
    }
  }

  private static String label(String format) {
    return switch (format) {
      case "png" -> "PNG";
      case "jpeg" -> "JPEG";
      default -> "WebP";
    };
  }

  /** The centre of {@code src} at the aspect ratio of {@code width × height}, scaled to it, on white (no transparency in a JPEG). */
  static BufferedImage fit(BufferedImage src, int width, int height) {
    int w = src.getWidth();
    int h = src.getHeight();
    int cropW = w;
    int cropH = h;
    if ((long) w * height > (long) h * width) {
      cropW = (int) Math.max(1, (long) h * width / height);
    } else {
      cropH = (int) Math.max(1, (long) w * height / width);
    }
    BufferedImage current = src.getSubimage((w - cropW) / 2, (h - cropH) / 2, cropW, cropH);
    // halve while more than twice too large: one bilinear step from far above aliases
    while (current.getWidth() > 2 * width && current.getHeight() > 2 * height) {
      current = draw(current, current.getWidth() / 2, current.getHeight() / 2);
    }
    return draw(current, width, height);
  }

  private static BufferedImage draw(BufferedImage src, int width, int height) {
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      g.drawImage(src, 0, 0, width, height, null);
    } finally {
      g.dispose();
    }
    return out;
  }

  private static byte[] jpeg(BufferedImage image) {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream out = new ByteArrayOutputStream(32 * 1024);
    try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
      writer.setOutput(stream);
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(QUALITY);
      writer.write(null, new IIOImage(image, null, null), param);
    } catch (IOException e) {
      throw new IllegalStateException("could not write a JPEG", e);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }
}
