-- A credit reservation is written two or three times: claimed (PENDING), decided (RESERVED or REJECTED),
-- then maybe RELEASED. The partial index of the reserved ones made each such update a new version in both
-- of the table's indexes (no in-place "HOT" update, its predicate's column changing), for autovacuum to clean
-- up. Nothing reads through it since customer.reserved_cents (V2) holds what a customer's orders reserve;
-- the credit report scans the table. The pages keep a fifth free for the updates of the rows inserted there.
DROP INDEX credit_reservation_reserved;
ALTER TABLE credit_reservation SET (fillfactor = 80);
