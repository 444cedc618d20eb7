package dev.microshop.inventory.images;

import dev.microshop.inventory.api.ImageSize;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The demo catalog's pictures as the build drew them ({@link DemoPictures#main}, in the
 * {@code process-classes} phase): the served JPEGs of each demo product on its seeded category's
 * backdrop, as resources {@code demo-pictures/SKU.CATEGORY.SIZE.jpg}. Reading them loads neither
 * AWT nor ImageIO: a service that never draws (no upload, a demo product still in its seeded
 * category) keeps neither in memory.
 */
public final class DrawnPictures {

  static final String DIRECTORY = "demo-pictures";

  private DrawnPictures() {
  }

  static String name(String sku, String category, ImageSize size) {
    return sku + "." + category + "." + size.key() + ".jpg";
  }

  /** The pictures the build drew of {@code sku} on {@code category}'s backdrop, if it drew them. */
  public static Optional<ProductImages.Encoded> of(String sku, String category) {
    Map<ImageSize, byte[]> bytes = new EnumMap<>(ImageSize.class);
    for (ImageSize size : ImageSize.values()) {
      try (InputStream in = DrawnPictures.class.getResourceAsStream("/" + DIRECTORY + "/" + name(sku, category, size))) {
        if (in == null) {
          return Optional.empty();
        }
        bytes.put(size, in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return Optional.of(ProductImages.Encoded.of(bytes, "drawn"));
  }

  /** Writes the served JPEGs of {@code encoded} under {@code directory}. */
  static void write(Path directory, String sku, String category, ProductImages.Encoded encoded) throws IOException {
    Files.createDirectories(directory);
    for (Map.Entry<ImageSize, byte[]> e : encoded.bytes().entrySet()) {
      Files.write(directory.resolve(name(sku, category, e.getKey())), e.getValue());
    }
  }
}
