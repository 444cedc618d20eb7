-- The audit trail is the audit.* events of the event log: listed newest first without a scan of the whole log.
CREATE INDEX event_log_audit ON event_log (position DESC) WHERE type LIKE 'audit.%';
