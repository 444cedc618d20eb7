package dev.microshop.inventory.api;

import java.util.Optional;

/**
 * The sizes a product's picture is served in, both 4:3 JPEGs: a card in the catalog's grid and the
 * product's own page. Fixed sizes let a page reserve each picture's box before it loads.
 */
public enum ImageSize {
  CARD(400, 300),
  PAGE(800, 600);

  /** The largest file an administrator may upload. */
  public static final int MAX_UPLOAD_BYTES = 2 * 1024 * 1024;
  /** The most pixels an upload may decode to (a small file can claim a huge picture). */
  public static final long MAX_PIXELS = 40_000_000L;
  public static final String CONTENT_TYPE = "image/jpeg";

  private final int width;
  private final int height;

  ImageSize(int width, int height) {
    this.width = width;
    this.height = height;
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /** Its name on the wire and in URLs: {@code card}, {@code page}. */
  public String key() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  public static Optional<ImageSize> of(String key) {
    for (ImageSize s : values()) {
      if (s.key().equals(key)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }
}
