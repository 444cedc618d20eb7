package dev.microshop.inventory.images;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Arc2D;
import java.awt.geom.CubicCurve2D;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The pictures of the demo catalog, drawn here (shapes only: no font, no file, nothing downloaded):
 * each product on a soft backdrop of its category's colour. 800 × 600, as {@link ProductImages} takes them.
 */
public final class DemoPictures {

  static final int W = 800;
  static final int H = 600;

  private static final Map<String, BiConsumer<Graphics2D, Color>> DRAWINGS = Map.ofEntries(
      Map.entry("MUG-CLASSIC", DemoPictures::mug),
      Map.entry("MUG-TRAVEL", (g, c) -> bottle(g, c, true)),
      Map.entry("BOTTLE-STEEL", (g, c) -> bottle(g, c, false)),
      Map.entry("TEE-LOGO-M", (g, c) -> tee(g, c, false)),
      Map.entry("TEE-LOGO-L", (g, c) -> tee(g, c, false)),
      Map.entry("HOODIE-GREY", (g, c) -> tee(g, c, true)),
      Map.entry("CAP-BLACK", DemoPictures::cap),
      Map.entry("SOCKS-STRIPE", DemoPictures::socks),
      Map.entry("TOTE-CANVAS", DemoPictures::tote),
      Map.entry("NOTEBOOK-A5", DemoPictures::notebook),
      Map.entry("PEN-GEL-3", DemoPictures::pens),
      Map.entry("STICKERS-10", DemoPictures::stickers),
      Map.entry("POSTER-ARCH", DemoPictures::poster),
      Map.entry("KEYBOARD-MECH", DemoPictures::keyboard),
      Map.entry("MOUSEPAD-XL", DemoPictures::mousepad),
      Map.entry("USB-HUB-4", DemoPictures::hub),
      Map.entry("CABLE-USBC-2M", DemoPictures::cable),
      Map.entry("HEADPHONES-OVER", DemoPictures::headphones),
      Map.entry("LAMP-DESK", DemoPictures::lamp),
      Map.entry("PLANT-SUCCULENT", DemoPictures::plant),
      Map.entry("BOOK-VERTX", DemoPictures::book));

  private static final Map<String, Color> COLOURS = Map.ofEntries(
      Map.entry("MUG-CLASSIC", new Color(0x2f6fb0)), Map.entry("MUG-TRAVEL", new Color(0x3b8f6e)),
      Map.entry("BOTTLE-STEEL", new Color(0x9aa5b1)), Map.entry("TEE-LOGO-M", new Color(0xd9534f)),
      Map.entry("TEE-LOGO-L", new Color(0x3d5a98)), Map.entry("HOODIE-GREY", new Color(0x8a8f96)),
      Map.entry("CAP-BLACK", new Color(0x2b2b2e)), Map.entry("SOCKS-STRIPE", new Color(0xe8a33d)),
      Map.entry("TOTE-CANVAS", new Color(0xd8c7a1)), Map.entry("NOTEBOOK-A5", new Color(0x24496b)),
      Map.entry("PEN-GEL-3", new Color(0x333333)), Map.entry("STICKERS-10", new Color(0x7b4fb0)),
      Map.entry("POSTER-ARCH", new Color(0xf4f1ea)), Map.entry("KEYBOARD-MECH", new Color(0x3a3f47)),
      Map.entry("MOUSEPAD-XL", new Color(0x30343a)), Map.entry("USB-HUB-4", new Color(0x6c7580)),
      Map.entry("CABLE-USBC-2M", new Color(0x1f1f24)), Map.entry("HEADPHONES-OVER", new Color(0x26282c)),
      Map.entry("LAMP-DESK", new Color(0xe2b43c)), Map.entry("PLANT-SUCCULENT", new Color(0x5e9c63)),
      Map.entry("BOOK-VERTX", new Color(0x8e3b46)));

  private static final Map<String, Color> BACKDROPS = Map.of(
      "drinkware", new Color(0xdcebf5), "apparel", new Color(0xf6e3dc), "stationery", new Color(0xf3efd9),
      "tech", new Color(0xe1e4ec), "home", new Color(0xe3f0df), "books", new Color(0xefe1e6));

  /** The demo products' categories as the catalog seeds them (V5__categories.sql): the build draws each on its backdrop. */
  static final Map<String, String> SEEDED_CATEGORIES = Map.ofEntries(
      Map.entry("MUG-CLASSIC", "drinkware"), Map.entry("MUG-TRAVEL", "drinkware"), Map.entry("BOTTLE-STEEL", "drinkware"),
      Map.entry("TEE-LOGO-M", "apparel"), Map.entry("TEE-LOGO-L", "apparel"), Map.entry("HOODIE-GREY", "apparel"),
      Map.entry("CAP-BLACK", "apparel"), Map.entry("SOCKS-STRIPE", "apparel"), Map.entry("TOTE-CANVAS", "apparel"),
      Map.entry("NOTEBOOK-A5", "stationery"), Map.entry("PEN-GEL-3", "stationery"), Map.entry("STICKERS-10", "stationery"),
      Map.entry("POSTER-ARCH", "stationery"), Map.entry("KEYBOARD-MECH", "tech"), Map.entry("MOUSEPAD-XL", "tech"),
      Map.entry("USB-HUB-4", "tech"), Map.entry("CABLE-USBC-2M", "tech"), Map.entry("HEADPHONES-OVER", "tech"),
      Map.entry("LAMP-DESK", "home"), Map.entry("PLANT-SUCCULENT", "home"), Map.entry("BOOK-VERTX", "books"));

  private DemoPictures() {
  }

  /**
   * The build's step (exec-maven-plugin, {@code process-classes}): draws every demo product on its
   * seeded category's backdrop and writes its served JPEGs into the directory {@code args[0]}, read
   * back by {@link DrawnPictures}.
   */
  public static void main(String[] args) throws IOException {
    System.setProperty("java.awt.headless", "true");
    Path directory = Path.of(args[0]);
    for (Map.Entry<String, String> p : SEEDED_CATEGORIES.entrySet()) {
      DrawnPictures.write(directory, p.getKey(), p.getValue(), ProductImages.encode(draw(p.getKey(), p.getValue()), "drawn"));
    }
  }

  /** Whether the demo catalog has a picture of {@code sku}. */
  public static boolean has(String sku) {
    return DRAWINGS.containsKey(sku);
  }

  /** The picture of a demo product on its category's backdrop (a grey one for a category it doesn't know). */
  public static BufferedImage draw(String sku, String category) {
    BufferedImage image = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
      Color back = BACKDROPS.getOrDefault(category, new Color(0xe8e8e8));
      g.setPaint(new GradientPaint(0, 0, back.brighter(), 0, H, back));
      g.fillRect(0, 0, W, H);
      g.setColor(new Color(0, 0, 0, 28)); // the object's shadow on the table
      g.fill(new Ellipse2D.Double(200, 500, 400, 50));
      DRAWINGS.getOrDefault(sku, DemoPictures::parcel).accept(g, COLOURS.getOrDefault(sku, new Color(0xb08a5a)));
    } finally {
      g.dispose();
    }
    return image;
  }

  private static void outline(Graphics2D g, java.awt.Shape s, Color fill) {
    g.setColor(fill);
    g.fill(s);
    g.setColor(fill.darker());
    g.setStroke(new BasicStroke(4));
    g.draw(s);
  }

  private static void mug(Graphics2D g, Color c) {
    g.setStroke(new BasicStroke(34, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    g.setColor(c.darker());
    g.draw(new Arc2D.Double(470, 220, 140, 170, -90, 180, Arc2D.OPEN));
    outline(g, new RoundRectangle2D.Double(230, 170, 280, 340, 40, 40), c);
    g.setColor(c.darker().darker());
    g.fill(new Ellipse2D.Double(236, 160, 268, 40));
    g.setColor(new Color(255, 255, 255, 70));
    g.fill(new RoundRectangle2D.Double(260, 220, 30, 250, 20, 20));
  }

  private static void bottle(Graphics2D g, Color c, boolean mug) {
    outline(g, new RoundRectangle2D.Double(320, mug ? 170 : 140, 160, mug ? 340 : 370, 60, 60), c);
    outline(g, new RoundRectangle2D.Double(mug ? 312 : 345, mug ? 130 : 90, mug ? 176 : 110, mug ? 55 : 60, 20, 20),
        mug ? new Color(0x2a2a2a) : c.darker());
    g.setColor(new Color(255, 255, 255, 80));
    g.fill(new RoundRectangle2D.Double(345, 200, 24, 260, 20, 20));
  }

  private static void tee(Graphics2D g, Color c, boolean hood) {
    Polygon shirt = new Polygon(new int[] {300, 230, 160, 220, 260, 260, 540, 540, 580, 640, 570, 500},
        new int[] {130, 150, 270, 310, 270, 520, 520, 270, 310, 270, 150, 130}, 12);
    outline(g, shirt, c);
    if (hood) {
      outline(g, new Ellipse2D.Double(320, 90, 160, 110), c.darker());
      outline(g, new RoundRectangle2D.Double(320, 380, 160, 80, 30, 30), c.brighter());
    } else {
      g.setColor(c.darker());
      g.fill(new Arc2D.Double(340, 95, 120, 80, 180, 180, Arc2D.CHORD));
      g.setColor(Color.WHITE); // the logo: a parcel
      g.fill(new RoundRectangle2D.Double(370, 250, 60, 50, 8, 8));
      g.setColor(c);
      g.fillRect(396, 250, 8, 50);
    }
  }

  private static void cap(Graphics2D g, Color c) {
    outline(g, new Ellipse2D.Double(360, 380, 300, 70), c.darker());
    outline(g, new Arc2D.Double(180, 200, 360, 380, 0, 180, Arc2D.CHORD), c);
    g.setColor(c.brighter());
    g.fill(new Ellipse2D.Double(345, 188, 30, 22));
  }

  private static void socks(Graphics2D g, Color c) {
    for (int i = 0; i < 2; i++) {
      AffineTransform saved = g.getTransform();
      g.translate(200 + i * 190, 90 + i * 30);
      Path2D sock = new Path2D.Double();
      sock.moveTo(0, 0);
      sock.lineTo(110, 0);
      sock.lineTo(110, 260);
      sock.lineTo(220, 300);
      sock.quadTo(250, 370, 190, 380);
      sock.lineTo(40, 340);
      sock.quadTo(0, 330, 0, 290);
      sock.closePath();
      outline(g, sock, Color.WHITE);
      g.setClip(sock);
      g.setColor(c);
      for (int y = 30; y < 400; y += 60) {
        g.fillRect(0, y, 260, 26);
      }
      g.setClip(null);
      g.setTransform(saved);
    }
  }

  private static void tote(Graphics2D g, Color c) {
    g.setStroke(new BasicStroke(18));
    g.setColor(c.darker());
    g.draw(new Arc2D.Double(300, 90, 200, 230, 0, 180, Arc2D.OPEN));
    outline(g, new Polygon(new int[] {250, 550, 580, 220}, new int[] {200, 200, 520, 520}, 4), c);
  }

  private static void notebook(Graphics2D g, Color c) {
    outline(g, new RoundRectangle2D.Double(250, 110, 300, 410, 16, 16), c);
    g.setColor(c.darker());
    g.fillRect(250, 110, 36, 410);
    g.setColor(new Color(0xe8a33d));
    g.fillRect(500, 110, 16, 440); // the ribbon
    g.setColor(new Color(255, 255, 255, 90));
    for (int x = 320; x < 500; x += 26) {
      for (int y = 150; y < 500; y += 26) {
        g.fill(new Ellipse2D.Double(x, y, 5, 5));
      }
    }
  }

  private static void pens(Graphics2D g, Color c) {
    Color[] inks = {new Color(0x222222), new Color(0x2456b8), new Color(0xc8312f)};
    for (int i = 0; i < 3; i++) {
      AffineTransform saved = g.getTransform();
      g.rotate(Math.toRadians(-30), 400, 300);
      outline(g, new RoundRectangle2D.Double(150, 200 + i * 80, 460, 42, 40, 40), new Color(0xeeeeee));
      outline(g, new RoundRectangle2D.Double(150, 200 + i * 80, 150, 42, 40, 40), inks[i]);
      g.setColor(inks[i]);
      g.fill(new Polygon(new int[] {610, 660, 610}, new int[] {205 + i * 80, 221 + i * 80, 237 + i * 80}, 3));
      g.setTransform(saved);
    }
  }

  private static void stickers(Graphics2D g, Color c) {
    Color[] colours = {c, new Color(0xe8a33d), new Color(0x3b8f6e), new Color(0xd9534f), new Color(0x2f6fb0)};
    int[][] spots = {{180, 120, 170}, {400, 90, 140}, {560, 200, 130}, {250, 320, 150}, {450, 330, 160}};
    for (int i = 0; i < spots.length; i++) {
      outline(g, new Ellipse2D.Double(spots[i][0], spots[i][1], spots[i][2], spots[i][2]), Color.WHITE);
      g.setColor(colours[i]);
      g.fill(new Ellipse2D.Double(spots[i][0] + 14, spots[i][1] + 14, spots[i][2] - 28, spots[i][2] - 28));
    }
  }

  private static void poster(Graphics2D g, Color c) {
    outline(g, new RoundRectangle2D.Double(210, 70, 380, 460, 6, 6), new Color(0x2b2b2e));
    g.setColor(c);
    g.fillRect(230, 90, 340, 420);
    Color[] boxes = {new Color(0x2f6fb0), new Color(0x3b8f6e), new Color(0xe8a33d), new Color(0xd9534f)};
    g.setStroke(new BasicStroke(5));
    for (int i = 0; i < 4; i++) {
      g.setColor(boxes[i]);
      g.fill(new RoundRectangle2D.Double(i % 2 == 0 ? 260 : 420, 130 + (i / 2) * 150, 110, 80, 14, 14));
    }
    g.setColor(new Color(0x555555));
    g.drawLine(370, 170, 420, 170);
    g.drawLine(315, 210, 315, 280);
    g.drawLine(475, 210, 475, 280);
    g.fill(new RoundRectangle2D.Double(260, 420, 270, 50, 14, 14)); // the event bus
  }

  private static void keyboard(Graphics2D g, Color c) {
    outline(g, new RoundRectangle2D.Double(110, 200, 580, 240, 30, 30), c);
    g.setColor(new Color(0xd9dce1));
    for (int row = 0; row < 4; row++) {
      for (int col = 0; col < 12; col++) {
        g.fill(new RoundRectangle2D.Double(135 + col * 45 + (row % 2) * 10, 222 + row * 48, 36, 38, 8, 8));
      }
    }
    g.fill(new RoundRectangle2D.Double(280, 410, 240, 22, 8, 8)); // the space bar
    g.setColor(new Color(0xe8a33d));
    g.fill(new RoundRectangle2D.Double(135, 222, 36, 38, 8, 8)); // escape
  }

  private static void mousepad(Graphics2D g, Color c) {
    outline(g, new RoundRectangle2D.Double(90, 190, 620, 280, 40, 40), c);
    g.setColor(new Color(0x8a8f96));
    g.setStroke(new BasicStroke(3, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10, new float[] {10, 8}, 0));
    g.draw(new RoundRectangle2D.Double(104, 204, 592, 252, 30, 30));
    outline(g, new RoundRectangle2D.Double(500, 260, 90, 140, 70, 70), new Color(0xd9dce1));
  }

  private static void hub(Graphics2D g, Color c) {
    g.setStroke(new BasicStroke(16, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    g.setColor(new Color(0x222222));
    g.draw(new CubicCurve2D.Double(200, 330, 120, 330, 160, 160, 90, 140));
    outline(g, new RoundRectangle2D.Double(200, 260, 420, 140, 40, 40), c);
    g.setColor(new Color(0x1d1f22));
    for (int i = 0; i < 4; i++) {
      g.fill(new RoundRectangle2D.Double(250 + i * 90, 310, 60, 26, 4, 4));
    }
  }

  private static void cable(Graphics2D g, Color c) {
    g.setStroke(new BasicStroke(18, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    g.setColor(c);
    g.draw(new CubicCurve2D.Double(200, 420, 80, 120, 720, 120, 600, 420));
    for (int x : new int[] {170, 570}) {
      outline(g, new RoundRectangle2D.Double(x, 420, 60, 90, 16, 16), new Color(0x2b2b2e));
      g.setColor(new Color(0xb8bec6));
      g.fill(new RoundRectangle2D.Double(x + 12, 500, 36, 40, 10, 10));
    }
  }

  private static void headphones(Graphics2D g, Color c) {
    g.setStroke(new BasicStroke(30, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    g.setColor(c);
    g.draw(new Arc2D.Double(230, 100, 340, 380, 0, 180, Arc2D.OPEN));
    for (int x : new int[] {190, 510}) {
      outline(g, new RoundRectangle2D.Double(x, 260, 100, 180, 50, 50), c);
      g.setColor(new Color(0xb33b3b));
      g.fill(new RoundRectangle2D.Double(x + (x < 400 ? 70 : 0), 280, 30, 140, 20, 20));
    }
  }

  private static void lamp(Graphics2D g, Color c) {
    outline(g, new Ellipse2D.Double(230, 470, 220, 50), new Color(0x3a3f47));
    g.setStroke(new BasicStroke(16, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    g.setColor(new Color(0x3a3f47));
    g.drawLine(340, 490, 300, 300);
    g.drawLine(300, 300, 480, 190);
    g.setColor(new Color(255, 236, 160, 120));
    g.fill(new Polygon(new int[] {500, 640, 700, 520}, new int[] {220, 420, 380, 200}, 4));
    outline(g, new Arc2D.Double(440, 150, 160, 140, 200, 180, Arc2D.CHORD), c);
  }

  private static void plant(Graphics2D g, Color c) {
    for (int i = 0; i < 9; i++) {
      AffineTransform saved = g.getTransform();
      g.rotate(Math.toRadians(-80 + i * 20), 400, 320);
      outline(g, new Ellipse2D.Double(370, 140 + (i % 2) * 30, 60, 190), i % 2 == 0 ? c : c.brighter());
      g.setTransform(saved);
    }
    outline(g, new Polygon(new int[] {280, 520, 490, 310}, new int[] {320, 320, 520, 520}, 4), new Color(0xd9785a));
  }

  private static void book(Graphics2D g, Color c) {
    outline(g, new RoundRectangle2D.Double(270, 90, 270, 420, 10, 10), c);
    g.setColor(c.darker());
    g.fillRect(270, 90, 30, 420);
    g.setColor(new Color(0xf4f1ea));
    g.fill(new RoundRectangle2D.Double(330, 160, 180, 26, 8, 8));
    g.fill(new RoundRectangle2D.Double(330, 200, 130, 18, 8, 8));
    g.setColor(new Color(0xe8a33d));
    for (int i = 0; i < 3; i++) { // a small event flow on the cover
      g.fill(new Ellipse2D.Double(340 + i * 60, 350, 36, 36));
    }
  }

  private static void parcel(Graphics2D g, Color c) {
    outline(g, new RoundRectangle2D.Double(230, 170, 340, 320, 12, 12), c);
    g.setColor(c.darker());
    g.fillRect(385, 170, 30, 320);
  }
}
