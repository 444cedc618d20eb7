-- The credit a customer's orders hold, on the customer's row: the credit check summed every
-- RESERVED reservation of the customer, with its row locked, a sum that grew with the customer's
-- history. A trigger keeps the column equal to that sum in the same transaction as each change of a
-- reservation, whichever code writes it: an instance still running the previous version during a
-- rolling upgrade too. The reservations stay the record (the credit report gives both).

-- no reservation changes while the column is built: those committed before are in its sum, those after fire the trigger
LOCK TABLE credit_reservation IN SHARE ROW EXCLUSIVE MODE;

ALTER TABLE customer ADD COLUMN reserved_cents bigint NOT NULL DEFAULT 0 CHECK (reserved_cents >= 0);

CREATE FUNCTION credit_reservation_held() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'RESERVED' THEN
    UPDATE customer SET reserved_cents = reserved_cents - OLD.amount_cents WHERE id = OLD.customer_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'RESERVED' THEN
    UPDATE customer SET reserved_cents = reserved_cents + NEW.amount_cents WHERE id = NEW.customer_id;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER credit_reservation_held AFTER INSERT OR UPDATE OR DELETE ON credit_reservation
  FOR EACH ROW EXECUTE FUNCTION credit_reservation_held();

UPDATE customer c SET reserved_cents = r.cents
  FROM (SELECT customer_id, sum(amount_cents) AS cents FROM credit_reservation WHERE status = 'RESERVED'
        GROUP BY customer_id) r
  WHERE r.customer_id = c.id;
