-- Evidence bundles (issue 18): the SHA-256 of each bundle's signed manifest, by
-- customer and month, so that the next month's manifest can name it and a removed or
-- altered month shows.

-- +goose Up
CREATE TABLE evidence_manifests (
    id          integer PRIMARY KEY AUTOINCREMENT,
    customer_id integer NOT NULL,
    month       text NOT NULL,
    sha256      text NOT NULL,
    path        text NOT NULL,
    created_at  datetime NOT NULL
);
CREATE INDEX idx_evidence_manifests_customer_month ON evidence_manifests (customer_id, month);
