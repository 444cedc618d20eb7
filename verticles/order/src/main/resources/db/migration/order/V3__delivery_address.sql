-- Where an order goes ({name, street, postcode, city, country}), as placed; null for an order placed
-- without one (through the API; the store front always asks for it).
ALTER TABLE orders ADD COLUMN delivery_address jsonb;
