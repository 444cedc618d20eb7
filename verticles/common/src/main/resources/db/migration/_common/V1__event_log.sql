-- The event log of a service (the transactional outbox): written in the same transaction as
-- the change it records. tx is the writing transaction's id: readers take only events whose
-- transaction is older than every transaction still running (tx < the snapshot's xmin), in
-- (tx, position) order, so an event that commits late is never skipped (no gaps).
CREATE TABLE event_log (
  position        bigserial PRIMARY KEY,
  tx              bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
  event_id        uuid NOT NULL UNIQUE,
  type            text NOT NULL,
  aggregate_id    text NOT NULL,
  occurred_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
  schema_version  integer NOT NULL DEFAULT 1,
  payload         jsonb NOT NULL
);
CREATE INDEX event_log_order ON event_log (tx, position);

-- Where this service, as a consumer, stands in each producer's log. Advanced in the same
-- transaction that applies the events, so each event takes effect exactly once.
CREATE TABLE consumer_position (
  consumer    text NOT NULL,
  producer    text NOT NULL,
  tx          bigint NOT NULL DEFAULT 0,
  position    bigint NOT NULL DEFAULT 0,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, producer)
);
