-- Triage (issue 14): a finding's assignee, and its history: who acknowledged,
-- assigned, commented on, resolved or re-opened it, when and why, and what the
-- lifecycle did to it. A finding's history is deleted with the finding.

-- +goose Up
ALTER TABLE findings ADD COLUMN assignee text;

CREATE TABLE finding_events (
    id         bigserial PRIMARY KEY,
    finding_id bigint NOT NULL,
    at         timestamptz NOT NULL,
    actor      text NOT NULL,
    action     text NOT NULL,
    note       text,
    assignee   text
);
CREATE INDEX idx_finding_events_finding_id ON finding_events (finding_id);
