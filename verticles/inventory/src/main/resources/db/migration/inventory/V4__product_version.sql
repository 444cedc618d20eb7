-- A product's version goes up by one with each change of what a shopper sees of it (stock
-- added, reserved or released): the catalog's readers (the web's read model) keep the highest.
ALTER TABLE product ADD COLUMN version bigint NOT NULL DEFAULT 1;
