-- The catalog and its stock. Prices are exact: whole cents in a bigint.
CREATE TABLE product (
  sku          text PRIMARY KEY CHECK (sku ~ '^[A-Z0-9][A-Z0-9-]{2,31}$'),
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description  text NOT NULL DEFAULT '',
  price_cents  bigint NOT NULL CHECK (price_cents >= 0),
  on_hand      integer NOT NULL CHECK (on_hand >= 0),
  reserved     integer NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= on_hand),
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- One row per applied restock: the request id makes a restock idempotent.
CREATE TABLE restock_request (
  request_id     text PRIMARY KEY,
  sku            text NOT NULL REFERENCES product (sku),
  quantity       integer NOT NULL CHECK (quantity > 0),
  on_hand_after  integer,
  created_at     timestamptz NOT NULL DEFAULT now()
);
