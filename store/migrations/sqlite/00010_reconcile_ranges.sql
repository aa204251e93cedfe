-- Incremental reconcile by time range (issue 19): the change journal says, per
-- customer, which days a change of an access event, an authorisation or a verified
-- backup touched, so that a run re-checks only the days those can affect; and each
-- access finding says which day it is about, so that recording a check of some
-- days refreshes, opens and resolves only those days' findings.
--
-- A mark is now a customer, a kind and a day: 'w' (with no day) re-checks the whole
-- customer, as every mark did before; 'e' an access event that started on the day,
-- 'a' an authorisation whose earliest time (start, end or revocation) is on the
-- day, 'b' a verified backup taken on the day. Reconcile widens the days by what
-- its settings imply. Each (customer, kind, day) is written once until a run
-- claims it, so a page of events costs one index probe per row and a few rows.
-- Days are UTC dates, 'YYYY-MM-DD'.

-- +goose Up
ALTER TABLE reconcile_changes ADD COLUMN kind text NOT NULL DEFAULT 'w';
ALTER TABLE reconcile_changes ADD COLUMN day text NOT NULL DEFAULT '';
DROP INDEX idx_reconcile_changes_customer_claimed;
CREATE INDEX idx_reconcile_changes_mark ON reconcile_changes (customer_id, claimed, kind, day);

DROP TRIGGER reconcile_marks_insert;
-- +goose StatementBegin
CREATE TRIGGER reconcile_marks_insert INSTEAD OF INSERT ON reconcile_marks WHEN NEW.customer_id IS NOT NULL
BEGIN
    INSERT INTO reconcile_changes (customer_id, claimed, kind, day) SELECT NEW.customer_id, false, 'w', ''
    WHERE NOT EXISTS (SELECT 1 FROM reconcile_changes WHERE customer_id = NEW.customer_id AND claimed = false AND kind = 'w' AND day = '');
END;
-- +goose StatementEnd

-- Inserting (customer, kind, day) into reconcile_day_marks marks the day changed,
-- once until a run claims the mark; a NULL customer marks nothing, a NULL day (a
-- time date() could not read) the whole customer.
CREATE VIEW reconcile_day_marks AS SELECT customer_id, kind, day FROM reconcile_changes;

-- +goose StatementBegin
CREATE TRIGGER reconcile_day_marks_insert INSTEAD OF INSERT ON reconcile_day_marks
WHEN NEW.customer_id IS NOT NULL AND NEW.day IS NOT NULL
BEGIN
    INSERT INTO reconcile_changes (customer_id, claimed, kind, day) SELECT NEW.customer_id, false, NEW.kind, NEW.day
    WHERE NOT EXISTS (SELECT 1 FROM reconcile_changes
                      WHERE customer_id = NEW.customer_id AND claimed = false AND kind = NEW.kind AND day = NEW.day);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER reconcile_day_marks_insert_no_day INSTEAD OF INSERT ON reconcile_day_marks
WHEN NEW.customer_id IS NOT NULL AND NEW.day IS NULL
BEGIN
    INSERT INTO reconcile_marks VALUES (NEW.customer_id);
END;
-- +goose StatementEnd

-- Access events: the day each started on, of the old row and of the new.
DROP TRIGGER access_events_journal_insert;
DROP TRIGGER access_events_journal_delete;
DROP TRIGGER access_events_journal_update;
-- +goose StatementBegin
CREATE TRIGGER access_events_journal_insert AFTER INSERT ON access_events
BEGIN
    INSERT INTO reconcile_day_marks VALUES (NEW.customer_id, 'e', date(NEW.started_at));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER access_events_journal_delete AFTER DELETE ON access_events
BEGIN
    INSERT INTO reconcile_day_marks VALUES (OLD.customer_id, 'e', date(OLD.started_at));
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
    INSERT INTO reconcile_day_marks VALUES (OLD.customer_id, 'e', date(OLD.started_at));
    INSERT INTO reconcile_day_marks VALUES (NEW.customer_id, 'e', date(NEW.started_at));
END;
-- +goose StatementEnd

-- Authorisations: the earliest of start, end and revocation, of the old row and of
-- the new (what it covers and the accesses it explains lie after it).
DROP TRIGGER authorisations_journal_insert;
DROP TRIGGER authorisations_journal_delete;
DROP TRIGGER authorisations_journal_update;
-- +goose StatementBegin
CREATE TRIGGER authorisations_journal_insert AFTER INSERT ON authorisations
BEGIN
    INSERT INTO reconcile_day_marks VALUES (NEW.customer_id, 'a',
        min(date(NEW.valid_from), date(coalesce(NEW.valid_to, NEW.valid_from)), date(coalesce(NEW.revoked_at, NEW.valid_from))));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER authorisations_journal_delete AFTER DELETE ON authorisations
BEGIN
    INSERT INTO reconcile_day_marks VALUES (OLD.customer_id, 'a',
        min(date(OLD.valid_from), date(coalesce(OLD.valid_to, OLD.valid_from)), date(coalesce(OLD.revoked_at, OLD.valid_from))));
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
    INSERT INTO reconcile_day_marks VALUES (OLD.customer_id, 'a',
        min(date(OLD.valid_from), date(coalesce(OLD.valid_to, OLD.valid_from)), date(coalesce(OLD.revoked_at, OLD.valid_from))));
    INSERT INTO reconcile_day_marks VALUES (NEW.customer_id, 'a',
        min(date(NEW.valid_from), date(coalesce(NEW.valid_to, NEW.valid_from)), date(coalesce(NEW.revoked_at, NEW.valid_from))));
END;
-- +goose StatementEnd

-- Verified backups: the day each was taken, of the old row and of the new.
DROP TRIGGER verified_backups_journal_insert;
DROP TRIGGER verified_backups_journal_delete;
DROP TRIGGER verified_backups_journal_update;
-- +goose StatementBegin
CREATE TRIGGER verified_backups_journal_insert AFTER INSERT ON verified_backups
BEGIN
    INSERT INTO reconcile_day_marks VALUES (NEW.customer_id, 'b', date(NEW.taken_at));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER verified_backups_journal_delete AFTER DELETE ON verified_backups
BEGIN
    INSERT INTO reconcile_day_marks VALUES (OLD.customer_id, 'b', date(OLD.taken_at));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER verified_backups_journal_update AFTER UPDATE ON verified_backups
BEGIN
    INSERT INTO reconcile_day_marks VALUES (OLD.customer_id, 'b', date(OLD.taken_at));
    INSERT INTO reconcile_day_marks VALUES (NEW.customer_id, 'b', date(NEW.taken_at));
END;
-- +goose StatementEnd

-- Findings: the day an access finding is about (the UTC day its accesses started;
-- '' for a finding about no one day). Existing access findings take it from the
-- first access they cite, or from their subject when it is not sealed; one with
-- neither keeps '', which every check of its customer reads (never resolving it
-- for days it did not check), until a full run finds it again and sets it.
ALTER TABLE findings ADD COLUMN day text NOT NULL DEFAULT '';
UPDATE findings SET day = coalesce(
    (SELECT date(a.started_at) FROM access_events a WHERE a.id = CAST(substr(findings.evidence, 15,
        CASE WHEN instr(findings.evidence, ',') > 0 THEN instr(findings.evidence, ',') - 15 ELSE length(findings.evidence) END) AS integer)),
    CASE WHEN subject LIKE 'access:%' THEN substr(subject, -10) END, '')
WHERE rule IN ('ACCESS-UNAUTHORISED', 'COMMAND-UNAUTHORISED', 'REMOVAL-WITHOUT-BACKUP', 'ACCESS-AUTHORISED-LATE');
CREATE INDEX idx_findings_customer_day ON findings (customer_id, day);
