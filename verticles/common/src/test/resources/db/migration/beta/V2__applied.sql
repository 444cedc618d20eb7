CREATE TABLE applied (key text NOT NULL, event_id uuid NOT NULL);
