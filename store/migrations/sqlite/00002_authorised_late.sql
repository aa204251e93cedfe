-- Access authorised afterwards (ACCESS-AUTHORISED-LATE): the authorisation, or for a
-- removal the verified backup, that would have covered an access but was recorded
-- after the access began. Reconcile writes them; a re-pull keeps them.
-- +goose Up
ALTER TABLE access_events ADD COLUMN authorised_late_by integer;
ALTER TABLE access_events ADD COLUMN late_backup_id integer;
