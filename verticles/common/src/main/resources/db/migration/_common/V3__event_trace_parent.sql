-- The W3C traceparent of the work that wrote the event (null when it was not traced): a consumer
-- applies the event in a span that is its child, so what the event leads to, seconds later and
-- in another service, belongs to the same trace.
ALTER TABLE event_log ADD COLUMN trace_parent text;
