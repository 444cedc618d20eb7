package db.migration.inventory;

import dev.microshop.inventory.api.ImageSize;
import dev.microshop.inventory.images.DemoPictures;
import dev.microshop.inventory.images.DrawnPictures;
import dev.microshop.inventory.images.ProductImages;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The demo catalog's pictures, drawn by {@link DemoPictures} and stored as an upload would be, once
 * (a versioned migration): a demo product that an administrator gave another picture, or removed,
 * keeps it so. Its version goes up with what a shopper sees, as in V5. The build drew them already
 * ({@link DrawnPictures}); only a demo product whose category changed before this migration ran is
 * drawn here (which loads AWT into the service for good: some 15 MB of RSS).
 */
public class V7__demo_pictures extends BaseJavaMigration {

  @Override
  public void migrate(Context context) throws Exception {
    Connection c = context.getConnection();
    Map<String, ProductImages.Encoded> pictures = new LinkedHashMap<>();
    try (PreparedStatement s = c.prepareStatement("SELECT sku, category FROM product WHERE image_version IS NULL ORDER BY sku");
         ResultSet rows = s.executeQuery()) {
      while (rows.next()) {
        String sku = rows.getString(1);
        String category = rows.getString(2);
        Optional<ProductImages.Encoded> built = DrawnPictures.of(sku, category);
        if (built.isPresent()) {
          pictures.put(sku, built.get());
        } else if (DemoPictures.has(sku)) {
          pictures.put(sku, ProductImages.encode(DemoPictures.draw(sku, category), "drawn"));
        }
      }
    }
    try (PreparedStatement image = c.prepareStatement(
             "INSERT INTO product_image (sku, version, card, page, source) VALUES (?, ?, ?, ?, 'drawn')");
         PreparedStatement product = c.prepareStatement(
             "UPDATE product SET image_version = ?, version = version + 1 WHERE sku = ?")) {
      for (Map.Entry<String, ProductImages.Encoded> p : pictures.entrySet()) {
        ProductImages.Encoded e = p.getValue();
        image.setString(1, p.getKey());
        image.setString(2, e.version());
        image.setBytes(3, e.bytes().get(ImageSize.CARD));
        image.setBytes(4, e.bytes().get(ImageSize.PAGE));
        image.addBatch();
        product.setString(1, e.version());
        product.setString(2, p.getKey());
        product.addBatch();
      }
      image.executeBatch();
      product.executeBatch();
    }
  }
}
