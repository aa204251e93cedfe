-- Every rendering of a report is kept (issue 18): renderings of one customer, month,
-- format and variant are numbered from 1, and each row keeps the document hash its
-- footer prints besides the file's own. Rows written before are numbered in the
-- order they were archived.

-- +goose Up
ALTER TABLE report_archives ADD COLUMN rendering bigint NOT NULL DEFAULT 0;
ALTER TABLE report_archives ADD COLUMN document_sha256 text;
UPDATE report_archives SET rendering = (
    SELECT COUNT(*) FROM report_archives earlier
    WHERE earlier.customer_id = report_archives.customer_id AND earlier.month = report_archives.month
      AND earlier.format = report_archives.format AND earlier.variant = report_archives.variant
      AND earlier.id <= report_archives.id);
DROP INDEX idx_report_archive;
CREATE UNIQUE INDEX idx_report_archive ON report_archives (customer_id, month, format, variant, rendering);
CREATE INDEX idx_report_archives_sha256 ON report_archives (sha256);
CREATE INDEX idx_report_archives_document_sha256 ON report_archives (document_sha256);
