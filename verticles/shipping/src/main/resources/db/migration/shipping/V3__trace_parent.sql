-- The W3C traceparent of the approved order's event (null when it was not traced): the courier's
-- steps, taken seconds later, and the shipment's events belong to the order's trace.
ALTER TABLE shipment ADD COLUMN trace_parent text;
