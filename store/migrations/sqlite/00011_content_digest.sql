-- A content digest on the rows of incremental tables: a pull that brings a row again
-- with the same content writes nothing (the upsert's ON CONFLICT ... WHERE compares
-- digests), so its sealed values keep their nonces and the change journal sees no
-- change. Existing rows have none and are written once more by their next pull.
-- +goose Up
ALTER TABLE access_events ADD COLUMN digest text NOT NULL DEFAULT '';
ALTER TABLE authorisations ADD COLUMN digest text NOT NULL DEFAULT '';
ALTER TABLE report_receipts ADD COLUMN digest text NOT NULL DEFAULT '';
