-- A product's picture, as served: the re-encoded JPEG of each size (never the uploaded file), and
-- its version (a hash of those bytes) on the product, so that the product's events and the web's
-- catalog carry it and a new picture gets a new URL. In this service's database like the rest of
-- the product: every instance of the inventory reads the same pictures, and a backup holds them.
ALTER TABLE product ADD COLUMN image_version text;
CREATE TABLE product_image (
  sku         text PRIMARY KEY REFERENCES product (sku) ON DELETE CASCADE,
  version     text NOT NULL,
  card        bytea NOT NULL,
  page        bytea NOT NULL,
  source      text NOT NULL CHECK (source IN ('png', 'jpeg', 'webp', 'drawn')),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
