-- Quarantine (issue 15): a record a pull could not decode is kept as a row, with
-- where it came from and why it failed, instead of a warning naming nothing. Its
-- identity within a stream's scope is item_key: the source id when the payload
-- names one, else a digest of its excerpt and error. raw is a sealed excerpt.

-- +goose Up
CREATE TABLE quarantined_records (
    id            bigserial PRIMARY KEY,
    source        text NOT NULL,
    stream        text NOT NULL,
    scope         text NOT NULL,
    item_key      text NOT NULL,
    source_id     text,
    kind          text,
    page          text,
    error         text,
    raw           text,
    first_seen_at timestamptz,
    seen_at       timestamptz NOT NULL
);
CREATE UNIQUE INDEX idx_quarantined_records_identity ON quarantined_records (source, stream, scope, item_key);
