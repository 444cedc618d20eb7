-- One shipment per approved order, moved along by the simulated courier.
CREATE TABLE shipment (
  order_id         uuid PRIMARY KEY,
  shipment_id      uuid NOT NULL UNIQUE,
  customer_id      uuid NOT NULL,
  status           text NOT NULL CHECK (status IN ('PREPARING', 'SHIPPED', 'DELIVERED', 'CANCELLED')),
  tracking_number  text,
  created_at       timestamptz NOT NULL,
  shipped_at       timestamptz,
  delivered_at     timestamptz,
  next_step_at     timestamptz NOT NULL,
  attempts         integer NOT NULL DEFAULT 0
);
CREATE INDEX shipment_due ON shipment (next_step_at) WHERE status IN ('PREPARING', 'SHIPPED');
