-- Delivery at least once (issue 15): an outbox entry stays until a receiver accepted
-- the message that carries it (delivery_id is that message while it is in flight;
-- returned counts the failed messages that gave it back), each receiver's health
-- (failing since when, the last error), and a job run's own lease, so a run whose
-- process died is seen as abandoned.

-- +goose Up
ALTER TABLE outbox_entries ADD COLUMN delivery_id integer;
ALTER TABLE outbox_entries ADD COLUMN returned integer NOT NULL DEFAULT 0;
CREATE INDEX idx_outbox_entries_delivery_id ON outbox_entries (delivery_id);

CREATE TABLE notify_receivers (
    receiver         text,
    last_accepted_at datetime,
    failing_since    datetime,
    last_failed_at   datetime,
    last_error       text,
    PRIMARY KEY (receiver)
);

ALTER TABLE job_runs ADD COLUMN lease_expires_at datetime;
-- Runs recorded before runs had a lease never renew one: a run still "running" now
-- is treated as abandoned, unless it finishes first.
UPDATE job_runs SET lease_expires_at = started_at WHERE outcome = 'running';
