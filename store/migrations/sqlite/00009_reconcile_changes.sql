-- Incremental reconcile (issue 19): a change journal that the database itself keeps.
-- Triggers on every table the access check (and GRANTOR-NOT-AUTHORISED) reads mark the customers whose inputs
-- changed, in the same transaction as the change, whichever code path wrote it;
-- customer 0 stands for every customer (a technician or device renamed, an exclusion
-- of no one customer). A run claims the unclaimed marks, re-checks their customers
-- and deletes the marks it claimed; reconcile_states keeps the access rules' settings
-- fingerprint and the time of the last run.

-- +goose Up
CREATE TABLE reconcile_changes (
    id          integer PRIMARY KEY AUTOINCREMENT,
    customer_id integer NOT NULL,
    claimed     numeric NOT NULL DEFAULT false
);
CREATE INDEX idx_reconcile_changes_customer_claimed ON reconcile_changes (customer_id, claimed);

CREATE TABLE reconcile_states (
    id       integer PRIMARY KEY AUTOINCREMENT,
    settings text NOT NULL,
    run_at   datetime NOT NULL,
    full_at  datetime NOT NULL
);

-- Inserting a customer id into reconcile_marks marks it changed, once until a run
-- claims the mark; NULL marks nothing.
CREATE VIEW reconcile_marks AS SELECT customer_id FROM reconcile_changes;

-- +goose StatementBegin
CREATE TRIGGER reconcile_marks_insert INSTEAD OF INSERT ON reconcile_marks WHEN NEW.customer_id IS NOT NULL
BEGIN
    INSERT INTO reconcile_changes (customer_id, claimed) SELECT NEW.customer_id, false
    WHERE NOT EXISTS (SELECT 1 FROM reconcile_changes WHERE customer_id = NEW.customer_id AND claimed = false);
END;
-- +goose StatementEnd

-- Access events: a new or deleted event, or a change of a column matching reads
-- (not the decision columns reconcile itself writes).
-- +goose StatementBegin
CREATE TRIGGER access_events_journal_insert AFTER INSERT ON access_events
BEGIN
    INSERT INTO reconcile_marks VALUES (NEW.customer_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER access_events_journal_delete AFTER DELETE ON access_events
BEGIN
    INSERT INTO reconcile_marks VALUES (OLD.customer_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER access_events_journal_update AFTER UPDATE ON access_events
WHEN OLD.source IS NOT NEW.source OR OLD.source_id IS NOT NEW.source_id OR OLD.kind IS NOT NEW.kind
  OR OLD.action IS NOT NEW.action OR OLD.started_at IS NOT NEW.started_at OR OLD.ended_at IS NOT NEW.ended_at
  OR OLD.actor_ref IS NOT NEW.actor_ref OR OLD.actor_name IS NOT NEW.actor_name OR OLD.device_ref IS NOT NEW.device_ref
  OR OLD.device_name IS NOT NEW.device_name OR OLD.removal IS NOT NEW.removal OR OLD.detail IS NOT NEW.detail
  OR OLD.attributes IS NOT NEW.attributes OR OLD.customer_id IS NOT NEW.customer_id
  OR OLD.technician_id IS NOT NEW.technician_id OR OLD.device_id IS NOT NEW.device_id
BEGIN
    INSERT INTO reconcile_marks VALUES (OLD.customer_id);
    INSERT INTO reconcile_marks VALUES (NEW.customer_id);
END;
-- +goose StatementEnd

-- Authorisations: any change but a re-pull's bookkeeping (seen_at, raw, stream, scope).
-- +goose StatementBegin
CREATE TRIGGER authorisations_journal_insert AFTER INSERT ON authorisations
BEGIN
    INSERT INTO reconcile_marks VALUES (NEW.customer_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER authorisations_journal_delete AFTER DELETE ON authorisations
BEGIN
    INSERT INTO reconcile_marks VALUES (OLD.customer_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER authorisations_journal_update AFTER UPDATE ON authorisations
WHEN OLD.source IS NOT NEW.source OR OLD.source_id IS NOT NEW.source_id OR OLD.removed_at IS NOT NEW.removed_at
  OR OLD.customer_ref IS NOT NEW.customer_ref OR OLD.technician_ref IS NOT NEW.technician_ref
  OR OLD.device_ref IS NOT NEW.device_ref OR OLD.access_scope IS NOT NEW.access_scope
  OR OLD.valid_from IS NOT NEW.valid_from OR OLD.valid_to IS NOT NEW.valid_to OR OLD.granted_by IS NOT NEW.granted_by
  OR OLD.granted_by_ref IS NOT NEW.granted_by_ref OR OLD.evidence IS NOT NEW.evidence
  OR OLD.recorded_by IS NOT NEW.recorded_by OR OLD.recorded_at IS NOT NEW.recorded_at
  OR OLD.revoked_at IS NOT NEW.revoked_at OR OLD.revoked_by IS NOT NEW.revoked_by
  OR OLD.revoke_reason IS NOT NEW.revoke_reason OR OLD.customer_id IS NOT NEW.customer_id
  OR OLD.technician_id IS NOT NEW.technician_id OR OLD.device_id IS NOT NEW.device_id
BEGIN
    INSERT INTO reconcile_marks VALUES (OLD.customer_id);
    INSERT INTO reconcile_marks VALUES (NEW.customer_id);
END;
-- +goose StatementEnd

-- Verified backups: any change.
-- +goose StatementBegin
CREATE TRIGGER verified_backups_journal_insert AFTER INSERT ON verified_backups
BEGIN
    INSERT INTO reconcile_marks VALUES (NEW.customer_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER verified_backups_journal_delete AFTER DELETE ON verified_backups
BEGIN
    INSERT INTO reconcile_marks VALUES (OLD.customer_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER verified_backups_journal_update AFTER UPDATE ON verified_backups
BEGIN
    INSERT INTO reconcile_marks VALUES (OLD.customer_id);
    INSERT INTO reconcile_marks VALUES (NEW.customer_id);
END;
-- +goose StatementEnd

-- Exclusions: any change; one of no customer concerns every customer.
-- +goose StatementBegin
CREATE TRIGGER exclusions_journal_insert AFTER INSERT ON exclusions
BEGIN
    INSERT INTO reconcile_marks VALUES (coalesce(NEW.customer_id, 0));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER exclusions_journal_delete AFTER DELETE ON exclusions
BEGIN
    INSERT INTO reconcile_marks VALUES (coalesce(OLD.customer_id, 0));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER exclusions_journal_update AFTER UPDATE ON exclusions
BEGIN
    INSERT INTO reconcile_marks VALUES (coalesce(OLD.customer_id, 0));
    INSERT INTO reconcile_marks VALUES (coalesce(NEW.customer_id, 0));
END;
-- +goose StatementEnd

-- Contacts: who may grant an authorisation (GRANTOR-NOT-AUTHORISED).
-- +goose StatementBegin
CREATE TRIGGER contacts_journal_insert AFTER INSERT ON contacts
BEGIN
    INSERT INTO reconcile_marks VALUES (NEW.customer_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER contacts_journal_delete AFTER DELETE ON contacts
BEGIN
    INSERT INTO reconcile_marks VALUES (OLD.customer_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER contacts_journal_update AFTER UPDATE ON contacts
WHEN OLD.source IS NOT NEW.source OR OLD.source_id IS NOT NEW.source_id OR OLD.removed_at IS NOT NEW.removed_at
  OR OLD.name IS NOT NEW.name OR OLD.email IS NOT NEW.email OR OLD.authorised IS NOT NEW.authorised
  OR OLD.active IS NOT NEW.active OR OLD.customer_id IS NOT NEW.customer_id
BEGIN
    INSERT INTO reconcile_marks VALUES (OLD.customer_id);
    INSERT INTO reconcile_marks VALUES (NEW.customer_id);
END;
-- +goose StatementEnd

-- Names that decisions and summaries show: a customer's concerns that customer; a
-- technician's or device's, every customer (events of any customer may name them).
-- +goose StatementBegin
CREATE TRIGGER customers_journal_update AFTER UPDATE ON customers WHEN OLD.name IS NOT NEW.name
BEGIN
    INSERT INTO reconcile_marks VALUES (NEW.id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER customers_journal_delete AFTER DELETE ON customers
BEGIN
    INSERT INTO reconcile_marks VALUES (OLD.id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER technicians_journal_update AFTER UPDATE ON technicians WHEN OLD.name IS NOT NEW.name
BEGIN
    INSERT INTO reconcile_marks VALUES (0);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER technicians_journal_delete AFTER DELETE ON technicians
BEGIN
    INSERT INTO reconcile_marks VALUES (0);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER devices_journal_update AFTER UPDATE ON devices WHEN OLD.name IS NOT NEW.name
BEGIN
    INSERT INTO reconcile_marks VALUES (0);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER devices_journal_delete AFTER DELETE ON devices
BEGIN
    INSERT INTO reconcile_marks VALUES (0);
END;
-- +goose StatementEnd

-- A person's triage (any history entry not written by the lifecycle) may leave a
-- finding in a state the next evaluation changes: re-check its customer.
-- +goose StatementBegin
CREATE TRIGGER finding_events_journal_insert AFTER INSERT ON finding_events WHEN NEW.actor <> 'custos'
BEGIN
    INSERT INTO reconcile_marks SELECT coalesce(customer_id, 0) FROM findings WHERE id = NEW.finding_id;
END;
-- +goose StatementEnd
