-- One row per order: its stock reservation and what became of it. The order id makes every
-- command idempotent; a release that comes first leaves a RELEASED tombstone that blocks a late
-- reserve, so nothing is resurrected.
CREATE TABLE stock_reservation (
  order_id     text PRIMARY KEY,
  status       text NOT NULL CHECK (status IN ('PENDING', 'RESERVED', 'REJECTED', 'RELEASED', 'SHIPPED')),
  lines        jsonb NOT NULL,          -- [{sku, quantity, priceCents}]
  total_cents  bigint,
  reason       text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stock_reservation_status ON stock_reservation (status);
