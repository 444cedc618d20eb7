-- No statement filters or joins on an event's payload (readers go by (tx, position), consumers by
-- type), so the planner has no use for its statistics; but ANALYZE sampled and measured the jsonb
-- payloads every time autovacuum analyzed the growing log: 1.49 s (0.54 s of CPU) for the
-- inventory's log in the middle of an order load. The column is no longer sampled.
ALTER TABLE event_log ALTER COLUMN payload SET STATISTICS 0;
