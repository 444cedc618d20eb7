-- The order-history view (CQRS): built only from the order and shipping services' events, and
-- rebuilt from position zero on demand. Times are the events' times, so a rebuild is identical.
CREATE TABLE history_order (
  order_id     uuid PRIMARY KEY,
  customer_id  uuid NOT NULL,
  status       text NOT NULL,
  lines        jsonb NOT NULL,
  total_cents  bigint,
  reason       text,
  placed_at    timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL
);
CREATE INDEX history_order_customer ON history_order (customer_id, placed_at DESC);

CREATE TABLE history_timeline (
  event_id   uuid PRIMARY KEY,
  order_id   uuid NOT NULL,
  milestone  text NOT NULL,
  reason     text,
  at         timestamptz NOT NULL,
  position   bigint NOT NULL
);
CREATE INDEX history_timeline_order ON history_timeline (order_id, at, position);

CREATE TABLE history_shipment (
  order_id         uuid PRIMARY KEY,
  shipment_id      uuid NOT NULL,
  status           text NOT NULL,
  tracking_number  text,
  shipped_at       timestamptz,
  delivered_at     timestamptz,
  updated_at       timestamptz NOT NULL
);
