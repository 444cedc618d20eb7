-- Orders and the state of their saga. An order is placed once per (customer, idempotency key);
-- the saga step says what is left to do, next_attempt_at when to try it (a lease while a driver
-- works on it, a backoff after a failure), version guards every transition.
CREATE TABLE orders (
  id               uuid PRIMARY KEY,
  customer_id      uuid NOT NULL,
  idempotency_key  text NOT NULL,
  request_hash     text NOT NULL,
  status           text NOT NULL CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED', 'CANCELLED', 'SHIPPED', 'DELIVERED')),
  saga_step        text NOT NULL CHECK (saga_step IN ('RESERVE_STOCK', 'RESERVE_CREDIT', 'RELEASE_STOCK',
                                                        'CANCEL_STOCK', 'CANCEL_CREDIT', 'DONE')),
  lines            jsonb NOT NULL,      -- [{sku, quantity}] as placed; with priceCents once reserved
  total_cents      bigint,
  reason           text,
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  version          integer NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (customer_id, idempotency_key)
);
CREATE INDEX orders_unfinished ON orders (next_attempt_at) WHERE saga_step <> 'DONE';
CREATE INDEX orders_by_customer ON orders (customer_id, created_at);

-- The timeline of an order: every milestone of its saga, with its time.
CREATE TABLE order_timeline (
  order_id  uuid NOT NULL REFERENCES orders (id),
  seq       integer NOT NULL,
  event     text NOT NULL,
  reason    text,
  at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (order_id, seq)
);
