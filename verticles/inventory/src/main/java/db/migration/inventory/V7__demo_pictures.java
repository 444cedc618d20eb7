package db.migration.inventory;

import dev.microshop.inventory.api.ImageSize;
import dev.microshop.inventory.images.DemoPictures;
import dev.microshop.inventory.images.ProductImages;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The demo catalog's pictures, drawn by {@link DemoPictures} and stored as an upload would be, once
 * (a versioned migration): a demo product that an administrator gave another picture, or removed,
 * keeps it so. Its version goes up with what a shopper sees, as in V5.
 */
public class V7__demo_pictures extends BaseJavaMigration {

  @Override
  public void migrate(Context context) throws Exception {
    Connection c = context.getConnection();
    Map<String, String> products = new LinkedHashMap<>();
    try (PreparedStatement s = c.prepareStatement("SELECT sku, category FROM product WHERE image_version IS NULL ORDER BY sku");
         ResultSet rows = s.executeQuery()) {
      while (rows.next()) {
        if (DemoPictures.has(rows.getString(1))) {
          products.put(rows.getString(1), rows.getString(2));
        }
      }
    }
    try (PreparedStatement image = c.prepareStatement(
             "INSERT INTO product_image (sku, version, card, page, source) VALUES (?, ?, ?, ?, 'drawn')");
         PreparedStatement product = c.prepareStatement(
             "UPDATE product SET image_version = ?, version = version + 1 WHERE sku = ?")) {
      for (Map.Entry<String, String> p : products.entrySet()) {
        ProductImages.Encoded e = ProductImages.encode(DemoPictures.draw(p.getKey(), p.getValue()), "drawn");
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
