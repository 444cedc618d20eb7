-- The W3C traceparent of the placement (null when it was not traced): the saga's steps, driven
-- later and maybe by another instance, join the order's trace as its children.
ALTER TABLE orders ADD COLUMN trace_parent text;
