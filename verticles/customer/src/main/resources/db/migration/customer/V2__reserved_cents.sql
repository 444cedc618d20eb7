-- The credit a customer's orders hold, kept on the customer's row in the same transaction as each
-- reservation and release: the credit check read it by summing every RESERVED reservation of the
-- customer, a sum that grew with the customer's history and was taken with the customer's row
-- locked. The reservations stay the record (the credit report sums them beside this column).
ALTER TABLE customer ADD COLUMN reserved_cents bigint NOT NULL DEFAULT 0 CHECK (reserved_cents >= 0);
UPDATE customer c SET reserved_cents = r.cents
  FROM (SELECT customer_id, sum(amount_cents) AS cents FROM credit_reservation WHERE status = 'RESERVED'
        GROUP BY customer_id) r
  WHERE r.customer_id = c.id;
