-- The console's findings list orders and cuts its pages in the database: an index of
-- each status's findings by severity (ranked as store.FindingPage ranks it: its
-- severityRank expression, which must stay this one) and first seen, and one by first
-- seen alone, so the first page of 100,000 open findings reads fifty index entries,
-- not every row. The overview counts each status's findings by customer and severity
-- from a third, without reading a row.
-- +goose Up
CREATE INDEX idx_findings_page_severity ON findings (status, (CASE severity WHEN 'info' THEN 0 WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 WHEN 'critical' THEN 4 ELSE -1 END), first_seen, id);
CREATE INDEX idx_findings_page_first_seen ON findings (status, first_seen, id);
CREATE INDEX idx_findings_tally ON findings (status, customer_id, severity);

-- +goose Down
DROP INDEX idx_findings_tally;
DROP INDEX idx_findings_page_first_seen;
DROP INDEX idx_findings_page_severity;
