-- Where the shipment goes: the order's delivery address ({name, street, postcode, city, country}) from
-- its order.approved event; null for an order placed without one.
ALTER TABLE shipment ADD COLUMN address jsonb;
