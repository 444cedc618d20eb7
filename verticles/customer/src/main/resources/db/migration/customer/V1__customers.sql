-- Customers and their credit. Emails are unique whatever their case.
CREATE TABLE customer (
  id                  uuid PRIMARY KEY,
  name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  email               text NOT NULL,
  password_hash       text NOT NULL,
  role                text NOT NULL DEFAULT 'customer' CHECK (role IN ('customer', 'admin')),
  credit_limit_cents  bigint NOT NULL CHECK (credit_limit_cents >= 0),
  created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX customer_email_unique ON customer (lower(email));

-- One row per order: the credit it holds and what became of it. The order id makes every
-- command idempotent; a release that comes first leaves a RELEASED tombstone that blocks a
-- late reserve.
CREATE TABLE credit_reservation (
  order_id      text PRIMARY KEY,
  customer_id   uuid,
  amount_cents  bigint NOT NULL CHECK (amount_cents >= 0),
  status        text NOT NULL CHECK (status IN ('PENDING', 'RESERVED', 'REJECTED', 'RELEASED')),
  reason        text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credit_reservation_reserved ON credit_reservation (customer_id) WHERE status = 'RESERVED';
