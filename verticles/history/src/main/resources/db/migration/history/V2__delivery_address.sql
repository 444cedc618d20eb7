-- The order's delivery address, from its events ({name, street, postcode, city, country}); null for an
-- order placed without one.
ALTER TABLE history_order ADD COLUMN address jsonb;
