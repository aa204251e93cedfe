-- The console and the API (issue 20): the audit trail of every change made through
-- them (who, from where, what, to what, how it ended; the values naming a person or
-- an address sealed), the signed-in browsers' sessions (keyed by the SHA-256 of the
-- cookie, never the cookie; one-time local sign-in links among them until used) and
-- the API tokens (only each token's SHA-256 is kept).

-- +goose Up
CREATE TABLE audit_entries (
    id           integer PRIMARY KEY AUTOINCREMENT,
    at           datetime NOT NULL,
    subject      text NOT NULL,
    name         text NOT NULL,
    role         text NOT NULL,
    via          text NOT NULL,
    from_address text NOT NULL,
    action       text NOT NULL,
    target       text NOT NULL,
    detail       text NOT NULL,
    outcome      text NOT NULL
);
CREATE INDEX idx_audit_entries_at ON audit_entries (at);
CREATE INDEX idx_audit_entries_action ON audit_entries (action);

CREATE TABLE console_sessions (
    id           text PRIMARY KEY,
    subject      text NOT NULL,
    name         text NOT NULL,
    role         text NOT NULL,
    via          text NOT NULL,
    csrf         text NOT NULL,
    link         numeric NOT NULL,
    created_at   datetime NOT NULL,
    expires_at   datetime NOT NULL,
    last_seen_at datetime NOT NULL
);
CREATE INDEX idx_console_sessions_expires_at ON console_sessions (expires_at);

CREATE TABLE api_tokens (
    id            integer PRIMARY KEY AUTOINCREMENT,
    name          text NOT NULL,
    role          text NOT NULL,
    hash          text NOT NULL,
    created_by    text NOT NULL,
    created_at    datetime NOT NULL,
    expires_at    datetime NOT NULL,
    revoked_at    datetime,
    revoked_by    text NOT NULL,
    revoke_reason text NOT NULL,
    last_used_at  datetime
);
CREATE UNIQUE INDEX idx_api_tokens_hash ON api_tokens (hash);
