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
-- claims it, so a page of events costs one index probe per row and a few rows; as
-- before, the unclaimed mark found is held FOR SHARE until the change commits.
-- Days are UTC dates, 'YYYY-MM-DD'.

-- +goose Up
ALTER TABLE reconcile_changes ADD COLUMN kind text NOT NULL DEFAULT 'w';
ALTER TABLE reconcile_changes ADD COLUMN day text NOT NULL DEFAULT '';
DROP INDEX idx_reconcile_changes_customer_claimed;
CREATE INDEX idx_reconcile_changes_mark ON reconcile_changes (customer_id, claimed, kind, day);

-- reconcile_mark_day marks a customer's day changed by a change of the kind, once
-- until a run claims the mark; a NULL customer marks nothing, a NULL day the whole
-- customer. reconcile_mark (a whole customer) is reconcile_mark_day(customer, 'w', '').
-- +goose StatementBegin
CREATE FUNCTION reconcile_mark_day(customer bigint, k text, d text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF customer IS NULL THEN
        RETURN;
    END IF;
    IF d IS NULL THEN
        k := 'w';
        d := '';
    END IF;
    PERFORM 1 FROM reconcile_changes WHERE customer_id = customer AND NOT claimed AND kind = k AND day = d FOR SHARE;
    IF NOT FOUND THEN
        INSERT INTO reconcile_changes (customer_id, claimed, kind, day) VALUES (customer, false, k, d);
    END IF;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION reconcile_mark(customer bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM reconcile_mark_day(customer, 'w', '');
END
$$;
-- +goose StatementEnd

-- reconcile_day is the UTC day of an instant.
-- +goose StatementBegin
CREATE FUNCTION reconcile_day(at timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD')
$$;
-- +goose StatementEnd

-- Access events: the day each started on, of the old row and of the new.
-- +goose StatementBegin
CREATE FUNCTION reconcile_journal_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM reconcile_mark_day(OLD.customer_id, 'e', reconcile_day(OLD.started_at));
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM reconcile_mark_day(NEW.customer_id, 'e', reconcile_day(NEW.started_at));
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- Authorisations: the earliest of start, end and revocation, of the old row and of
-- the new (what it covers and the accesses it explains lie after it).
-- +goose StatementBegin
CREATE FUNCTION reconcile_journal_authorisations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM reconcile_mark_day(OLD.customer_id, 'a', reconcile_day(LEAST(OLD.valid_from, OLD.valid_to, OLD.revoked_at)));
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM reconcile_mark_day(NEW.customer_id, 'a', reconcile_day(LEAST(NEW.valid_from, NEW.valid_to, NEW.revoked_at)));
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- Verified backups: the day each was taken, of the old row and of the new.
-- +goose StatementBegin
CREATE FUNCTION reconcile_journal_backups() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM reconcile_mark_day(OLD.customer_id, 'b', reconcile_day(OLD.taken_at));
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM reconcile_mark_day(NEW.customer_id, 'b', reconcile_day(NEW.taken_at));
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

DROP TRIGGER access_events_journal_insert_delete ON access_events;
DROP TRIGGER access_events_journal_update ON access_events;
CREATE TRIGGER access_events_journal_insert_delete AFTER INSERT OR DELETE ON access_events
    FOR EACH ROW EXECUTE FUNCTION reconcile_journal_events();
CREATE TRIGGER access_events_journal_update AFTER UPDATE ON access_events FOR EACH ROW
    WHEN ((OLD.source, OLD.source_id, OLD.kind, OLD.action, OLD.started_at, OLD.ended_at, OLD.actor_ref, OLD.actor_name,
           OLD.device_ref, OLD.device_name, OLD.removal, OLD.detail, OLD.attributes, OLD.customer_id, OLD.technician_id,
           OLD.device_id)
          IS DISTINCT FROM
          (NEW.source, NEW.source_id, NEW.kind, NEW.action, NEW.started_at, NEW.ended_at, NEW.actor_ref, NEW.actor_name,
           NEW.device_ref, NEW.device_name, NEW.removal, NEW.detail, NEW.attributes, NEW.customer_id, NEW.technician_id,
           NEW.device_id))
    EXECUTE FUNCTION reconcile_journal_events();

DROP TRIGGER authorisations_journal_insert_delete ON authorisations;
DROP TRIGGER authorisations_journal_update ON authorisations;
CREATE TRIGGER authorisations_journal_insert_delete AFTER INSERT OR DELETE ON authorisations
    FOR EACH ROW EXECUTE FUNCTION reconcile_journal_authorisations();
CREATE TRIGGER authorisations_journal_update AFTER UPDATE ON authorisations FOR EACH ROW
    WHEN ((OLD.source, OLD.source_id, OLD.removed_at, OLD.customer_ref, OLD.technician_ref, OLD.device_ref, OLD.access_scope,
           OLD.valid_from, OLD.valid_to, OLD.granted_by, OLD.granted_by_ref, OLD.evidence, OLD.recorded_by, OLD.recorded_at,
           OLD.revoked_at, OLD.revoked_by, OLD.revoke_reason, OLD.customer_id, OLD.technician_id, OLD.device_id)
          IS DISTINCT FROM
          (NEW.source, NEW.source_id, NEW.removed_at, NEW.customer_ref, NEW.technician_ref, NEW.device_ref, NEW.access_scope,
           NEW.valid_from, NEW.valid_to, NEW.granted_by, NEW.granted_by_ref, NEW.evidence, NEW.recorded_by, NEW.recorded_at,
           NEW.revoked_at, NEW.revoked_by, NEW.revoke_reason, NEW.customer_id, NEW.technician_id, NEW.device_id))
    EXECUTE FUNCTION reconcile_journal_authorisations();

DROP TRIGGER verified_backups_journal ON verified_backups;
CREATE TRIGGER verified_backups_journal AFTER INSERT OR UPDATE OR DELETE ON verified_backups
    FOR EACH ROW EXECUTE FUNCTION reconcile_journal_backups();

-- Findings: the day an access finding is about (the UTC day its accesses started;
-- '' for a finding about no one day). Existing access findings take it from the
-- first access they cite, or from their subject when it is not sealed; one with
-- neither keeps '', which every check of its customer reads (never resolving it
-- for days it did not check), until a full run finds it again and sets it.
ALTER TABLE findings ADD COLUMN day text NOT NULL DEFAULT '';
UPDATE findings SET day = coalesce(
    (SELECT reconcile_day(a.started_at) FROM access_events a
     WHERE findings.evidence ~ '^access_events:[0-9]+' AND a.id = CAST(substring(findings.evidence FROM '^access_events:([0-9]+)') AS bigint)),
    CASE WHEN subject LIKE 'access:%' THEN right(subject, 10) END, '')
WHERE rule IN ('ACCESS-UNAUTHORISED', 'COMMAND-UNAUTHORISED', 'REMOVAL-WITHOUT-BACKUP', 'ACCESS-AUTHORISED-LATE');
CREATE INDEX idx_findings_customer_day ON findings (customer_id, day);
