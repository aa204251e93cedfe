-- Incremental reconcile (issue 19): a change journal that the database itself keeps.
-- Triggers on every table the access check (and GRANTOR-NOT-AUTHORISED) reads mark the customers whose inputs
-- changed, in the same transaction as the change, whichever code path wrote it;
-- customer 0 stands for every customer (a technician or device renamed, an exclusion
-- of no one customer). A run claims the unclaimed marks, re-checks their customers
-- and deletes the marks it claimed; reconcile_states keeps the access rules' settings
-- fingerprint and the time of the last run.

-- +goose Up
CREATE TABLE reconcile_changes (
    id          bigserial PRIMARY KEY,
    customer_id bigint NOT NULL,
    claimed     boolean NOT NULL DEFAULT false
);
CREATE INDEX idx_reconcile_changes_customer_claimed ON reconcile_changes (customer_id, claimed);

CREATE TABLE reconcile_states (
    id       bigserial PRIMARY KEY,
    settings text NOT NULL,
    run_at   timestamptz NOT NULL,
    full_at  timestamptz NOT NULL
);

-- reconcile_mark marks a customer changed, once until a run claims the mark; NULL
-- marks nothing. The unclaimed mark it finds is locked FOR SHARE until the change
-- commits, so a run claiming it waits for the change and then reads it; concurrent
-- changes share the lock.
-- +goose StatementBegin
CREATE FUNCTION reconcile_mark(customer bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF customer IS NULL THEN
        RETURN;
    END IF;
    PERFORM 1 FROM reconcile_changes WHERE customer_id = customer AND NOT claimed FOR SHARE;
    IF NOT FOUND THEN
        INSERT INTO reconcile_changes (customer_id, claimed) VALUES (customer, false);
    END IF;
END
$$;
-- +goose StatementEnd

-- reconcile_journal is the row trigger of the tables with a customer_id column: it
-- marks the customer of the old row and of the new. With TG_ARGV[0] 'all', a row of
-- no customer concerns every customer (mark 0).
-- +goose StatementBegin
CREATE FUNCTION reconcile_journal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM reconcile_mark(CASE WHEN OLD.customer_id IS NULL AND TG_ARGV[0] = 'all' THEN 0 ELSE OLD.customer_id END);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM reconcile_mark(CASE WHEN NEW.customer_id IS NULL AND TG_ARGV[0] = 'all' THEN 0 ELSE NEW.customer_id END);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- reconcile_journal_named marks what a renamed or deleted name concerns: a customer
-- (TG_ARGV[0] 'customer') or every customer.
-- +goose StatementBegin
CREATE FUNCTION reconcile_journal_named() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_ARGV[0] = 'customer' THEN
        PERFORM reconcile_mark(OLD.id);
    ELSE
        PERFORM reconcile_mark(0);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- Access events: a new or deleted event, or a change of a column matching reads
-- (not the decision columns reconcile itself writes).
CREATE TRIGGER access_events_journal_insert_delete AFTER INSERT OR DELETE ON access_events
    FOR EACH ROW EXECUTE FUNCTION reconcile_journal('one');
CREATE TRIGGER access_events_journal_update AFTER UPDATE ON access_events FOR EACH ROW
    WHEN ((OLD.source, OLD.source_id, OLD.kind, OLD.action, OLD.started_at, OLD.ended_at, OLD.actor_ref, OLD.actor_name,
           OLD.device_ref, OLD.device_name, OLD.removal, OLD.detail, OLD.attributes, OLD.customer_id, OLD.technician_id,
           OLD.device_id)
          IS DISTINCT FROM
          (NEW.source, NEW.source_id, NEW.kind, NEW.action, NEW.started_at, NEW.ended_at, NEW.actor_ref, NEW.actor_name,
           NEW.device_ref, NEW.device_name, NEW.removal, NEW.detail, NEW.attributes, NEW.customer_id, NEW.technician_id,
           NEW.device_id))
    EXECUTE FUNCTION reconcile_journal('one');

-- Authorisations: any change but a re-pull's bookkeeping (seen_at, raw, stream, scope).
CREATE TRIGGER authorisations_journal_insert_delete AFTER INSERT OR DELETE ON authorisations
    FOR EACH ROW EXECUTE FUNCTION reconcile_journal('one');
CREATE TRIGGER authorisations_journal_update AFTER UPDATE ON authorisations FOR EACH ROW
    WHEN ((OLD.source, OLD.source_id, OLD.removed_at, OLD.customer_ref, OLD.technician_ref, OLD.device_ref, OLD.access_scope,
           OLD.valid_from, OLD.valid_to, OLD.granted_by, OLD.granted_by_ref, OLD.evidence, OLD.recorded_by, OLD.recorded_at,
           OLD.revoked_at, OLD.revoked_by, OLD.revoke_reason, OLD.customer_id, OLD.technician_id, OLD.device_id)
          IS DISTINCT FROM
          (NEW.source, NEW.source_id, NEW.removed_at, NEW.customer_ref, NEW.technician_ref, NEW.device_ref, NEW.access_scope,
           NEW.valid_from, NEW.valid_to, NEW.granted_by, NEW.granted_by_ref, NEW.evidence, NEW.recorded_by, NEW.recorded_at,
           NEW.revoked_at, NEW.revoked_by, NEW.revoke_reason, NEW.customer_id, NEW.technician_id, NEW.device_id))
    EXECUTE FUNCTION reconcile_journal('one');

-- Verified backups: any change.
CREATE TRIGGER verified_backups_journal AFTER INSERT OR UPDATE OR DELETE ON verified_backups
    FOR EACH ROW EXECUTE FUNCTION reconcile_journal('one');

-- Exclusions: any change; one of no customer concerns every customer.
CREATE TRIGGER exclusions_journal AFTER INSERT OR UPDATE OR DELETE ON exclusions
    FOR EACH ROW EXECUTE FUNCTION reconcile_journal('all');

-- Contacts: who may grant an authorisation (GRANTOR-NOT-AUTHORISED).
CREATE TRIGGER contacts_journal_insert_delete AFTER INSERT OR DELETE ON contacts
    FOR EACH ROW EXECUTE FUNCTION reconcile_journal('one');
CREATE TRIGGER contacts_journal_update AFTER UPDATE ON contacts FOR EACH ROW
    WHEN ((OLD.source, OLD.source_id, OLD.removed_at, OLD.name, OLD.email, OLD.authorised, OLD.active, OLD.customer_id)
          IS DISTINCT FROM
          (NEW.source, NEW.source_id, NEW.removed_at, NEW.name, NEW.email, NEW.authorised, NEW.active, NEW.customer_id))
    EXECUTE FUNCTION reconcile_journal('one');

-- Names that decisions and summaries show: a customer's concerns that customer; a
-- technician's or device's, every customer (events of any customer may name them).
CREATE TRIGGER customers_journal_update AFTER UPDATE ON customers FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION reconcile_journal_named('customer');
CREATE TRIGGER customers_journal_delete AFTER DELETE ON customers
    FOR EACH ROW EXECUTE FUNCTION reconcile_journal_named('customer');
CREATE TRIGGER technicians_journal_update AFTER UPDATE ON technicians FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION reconcile_journal_named('every');
CREATE TRIGGER technicians_journal_delete AFTER DELETE ON technicians
    FOR EACH ROW EXECUTE FUNCTION reconcile_journal_named('every');
CREATE TRIGGER devices_journal_update AFTER UPDATE ON devices FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION reconcile_journal_named('every');
CREATE TRIGGER devices_journal_delete AFTER DELETE ON devices
    FOR EACH ROW EXECUTE FUNCTION reconcile_journal_named('every');

-- A person's triage (any history entry not written by the lifecycle) may leave a
-- finding in a state the next evaluation changes: re-check its customer.
-- +goose StatementBegin
CREATE FUNCTION reconcile_journal_triage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM reconcile_mark(coalesce(customer_id, 0)) FROM findings WHERE id = NEW.finding_id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER finding_events_journal_insert AFTER INSERT ON finding_events FOR EACH ROW
    WHEN (NEW.actor <> 'custos') EXECUTE FUNCTION reconcile_journal_triage();
