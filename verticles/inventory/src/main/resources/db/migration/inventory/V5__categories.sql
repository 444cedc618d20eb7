-- Each product belongs to a category (the catalog filters by it); the demo catalog's products get
-- theirs. A product added without one is in 'other'. The version goes up with what a shopper sees;
-- a web started before this migration shows the categories once it reloads its catalog (at its start).
ALTER TABLE product ADD COLUMN category text NOT NULL DEFAULT 'other' CHECK (category ~ '^[a-z][a-z-]{1,31}$');
UPDATE product SET category = c.category, version = version + 1
FROM (VALUES
  ('MUG-CLASSIC', 'drinkware'), ('MUG-TRAVEL', 'drinkware'), ('BOTTLE-STEEL', 'drinkware'),
  ('TEE-LOGO-M', 'apparel'), ('TEE-LOGO-L', 'apparel'), ('HOODIE-GREY', 'apparel'), ('CAP-BLACK', 'apparel'),
  ('SOCKS-STRIPE', 'apparel'), ('TOTE-CANVAS', 'apparel'),
  ('NOTEBOOK-A5', 'stationery'), ('PEN-GEL-3', 'stationery'), ('STICKERS-10', 'stationery'), ('POSTER-ARCH', 'stationery'),
  ('KEYBOARD-MECH', 'tech'), ('MOUSEPAD-XL', 'tech'), ('USB-HUB-4', 'tech'), ('CABLE-USBC-2M', 'tech'),
  ('HEADPHONES-OVER', 'tech'),
  ('LAMP-DESK', 'home'), ('PLANT-SUCCULENT', 'home'),
  ('BOOK-VERTX', 'books')
) AS c (sku, category)
WHERE product.sku = c.sku;
CREATE INDEX product_category ON product (category, sku);
