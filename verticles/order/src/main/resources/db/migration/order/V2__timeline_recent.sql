-- The operator dashboard asks every few seconds what happened in the last seconds (orders placed,
-- approved, rejected, cancelled, and how long approval took): only those milestones, by time.
CREATE INDEX order_timeline_outcomes ON order_timeline (at) WHERE event IN ('PLACED', 'APPROVED', 'REJECTED', 'CANCELLED');
