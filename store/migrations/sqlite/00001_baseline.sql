-- Baseline (SQLite): exactly the schema that gorm's AutoMigrate made before Custos
-- had versioned migrations: the same tables, columns, types, NOT NULLs, defaults, keys,
-- index names and the one foreign key. A fresh database runs this file; a database
-- that AutoMigrate made is adopted at this version without running it (store/migrate.go).
-- Released: never edit it; add a new file instead (docs/store.md).
--
-- String defaults are double-quoted as AutoMigrate wrote them (SQLite reads "active"
-- there as the string): an AutoMigrate release rolled back onto this database then
-- finds nothing to change, where 'active' would make it rebuild the table.

-- +goose Up
CREATE TABLE customers (
    id           integer PRIMARY KEY AUTOINCREMENT,
    name         text NOT NULL,
    key          text NOT NULL,
    status       text NOT NULL DEFAULT "active",
    status_since datetime,
    created_at   datetime,
    updated_at   datetime
);
CREATE UNIQUE INDEX idx_customers_key ON customers (key);

CREATE TABLE technicians (
    id         integer PRIMARY KEY AUTOINCREMENT,
    name       text NOT NULL,
    key        text NOT NULL,
    email      text,
    aliases    text,
    created_at datetime,
    updated_at datetime
);
CREATE INDEX idx_technicians_email ON technicians (email);
CREATE UNIQUE INDEX idx_technicians_key ON technicians (key);

CREATE TABLE devices (
    id          integer PRIMARY KEY AUTOINCREMENT,
    customer_id integer,
    name        text,
    host_key    text,
    serial      text,
    created_at  datetime,
    updated_at  datetime
);
CREATE INDEX idx_devices_customer_id ON devices (customer_id);
CREATE INDEX idx_devices_host_key ON devices (host_key);
CREATE INDEX idx_devices_serial ON devices (serial);

CREATE TABLE links (
    id         integer PRIMARY KEY AUTOINCREMENT,
    source     text NOT NULL,
    kind       text NOT NULL,
    source_id  text NOT NULL,
    target_id  integer NOT NULL,
    method     text NOT NULL,
    created_at datetime
);
CREATE UNIQUE INDEX idx_link_identity ON links (source, kind, source_id);
CREATE INDEX idx_links_target_id ON links (target_id);

CREATE TABLE organizations (
    id                integer PRIMARY KEY AUTOINCREMENT,
    source            text NOT NULL,
    source_id         text NOT NULL,
    stream            text NOT NULL,
    scope             text NOT NULL,
    seen_at           datetime,
    removed_at        datetime,
    raw               text,
    name              text,
    short_name        text,
    type              text,
    status            text,
    source_updated_at datetime,
    customer_id       integer
);
CREATE INDEX idx_organizations_customer_id ON organizations (customer_id);
CREATE UNIQUE INDEX idx_organizations_identity ON organizations (source, source_id);
CREATE INDEX idx_organizations_pull ON organizations (source, stream, scope);

CREATE TABLE configurations (
    id                integer PRIMARY KEY AUTOINCREMENT,
    source            text NOT NULL,
    source_id         text NOT NULL,
    stream            text NOT NULL,
    scope             text NOT NULL,
    seen_at           datetime,
    removed_at        datetime,
    raw               text,
    customer_ref      text,
    customer_id       integer,
    name              text,
    hostname          text,
    serial            text,
    type_name         text,
    installed_at      datetime,
    archived          numeric,
    source_created_at datetime,
    source_updated_at datetime,
    device_id         integer
);
CREATE INDEX idx_configurations_customer_id ON configurations (customer_id);
CREATE INDEX idx_configurations_customer_ref ON configurations (customer_ref);
CREATE INDEX idx_configurations_device_id ON configurations (device_id);
CREATE UNIQUE INDEX idx_configurations_identity ON configurations (source, source_id);
CREATE INDEX idx_configurations_pull ON configurations (source, stream, scope);

CREATE TABLE config_backups (
    id                integer PRIMARY KEY AUTOINCREMENT,
    source            text NOT NULL,
    source_id         text NOT NULL,
    configuration_id  integer NOT NULL,
    file_name         text,
    name              text,
    content_type      text,
    size              integer,
    source_created_at datetime,
    source_updated_at datetime,
    raw               text,
    CONSTRAINT fk_configurations_backups FOREIGN KEY (configuration_id) REFERENCES configurations(id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX idx_backup_identity ON config_backups (source, source_id);
CREATE INDEX idx_config_backups_configuration_id ON config_backups (configuration_id);

CREATE TABLE access_events (
    id            integer PRIMARY KEY AUTOINCREMENT,
    source        text NOT NULL,
    source_id     text NOT NULL,
    stream        text NOT NULL,
    scope         text NOT NULL,
    seen_at       datetime,
    removed_at    datetime,
    raw           text,
    kind          text NOT NULL,
    action        text NOT NULL,
    started_at    datetime NOT NULL,
    ended_at      datetime,
    customer_ref  text,
    actor_ref     text,
    actor_name    text,
    device_ref    text,
    device_name   text,
    removal       numeric,
    source_ip     text,
    detail        text,
    attributes    text,
    customer_id   integer,
    technician_id integer,
    device_id     integer,
    covered_by    integer,
    backup_id     integer,
    decision      text
);
CREATE INDEX idx_access_customer_time ON access_events (customer_id, started_at);
CREATE INDEX idx_access_events_actor_ref ON access_events (actor_ref);
CREATE INDEX idx_access_events_customer_ref ON access_events (customer_ref);
CREATE INDEX idx_access_events_device_id ON access_events (device_id);
CREATE INDEX idx_access_events_device_ref ON access_events (device_ref);
CREATE UNIQUE INDEX idx_access_events_identity ON access_events (source, source_id);
CREATE INDEX idx_access_events_pull ON access_events (source, stream, scope);
CREATE INDEX idx_access_events_technician_id ON access_events (technician_id);

CREATE TABLE endpoints (
    id           integer PRIMARY KEY AUTOINCREMENT,
    source       text NOT NULL,
    source_id    text NOT NULL,
    stream       text NOT NULL,
    scope        text NOT NULL,
    seen_at      datetime,
    removed_at   datetime,
    raw          text,
    customer_ref text,
    hostname     text,
    domain       text,
    serial       text,
    os           text,
    type_name    text,
    last_seen_at datetime,
    customer_id  integer,
    device_id    integer
);
CREATE INDEX idx_endpoints_customer_id ON endpoints (customer_id);
CREATE INDEX idx_endpoints_customer_ref ON endpoints (customer_ref);
CREATE INDEX idx_endpoints_device_id ON endpoints (device_id);
CREATE UNIQUE INDEX idx_endpoints_identity ON endpoints (source, source_id);
CREATE INDEX idx_endpoints_pull ON endpoints (source, stream, scope);

CREATE TABLE agents (
    id               integer PRIMARY KEY AUTOINCREMENT,
    source           text NOT NULL,
    source_id        text NOT NULL,
    stream           text NOT NULL,
    scope            text NOT NULL,
    seen_at          datetime,
    removed_at       datetime,
    raw              text,
    type             text NOT NULL,
    customer_ref     text,
    device_ref       text,
    hostname         text,
    installed_at     datetime,
    session_ended_at datetime,
    last_check_in_at datetime,
    ended            numeric,
    uninstalled_at   datetime,
    customer_id      integer,
    device_id        integer
);
CREATE INDEX idx_agents_customer_id ON agents (customer_id);
CREATE INDEX idx_agents_customer_ref ON agents (customer_ref);
CREATE INDEX idx_agents_device_id ON agents (device_id);
CREATE INDEX idx_agents_device_ref ON agents (device_ref);
CREATE UNIQUE INDEX idx_agents_identity ON agents (source, source_id);
CREATE INDEX idx_agents_pull ON agents (source, stream, scope);

CREATE TABLE user_accounts (
    id            integer PRIMARY KEY AUTOINCREMENT,
    source        text NOT NULL,
    source_id     text NOT NULL,
    stream        text NOT NULL,
    scope         text NOT NULL,
    seen_at       datetime,
    removed_at    datetime,
    raw           text,
    name          text,
    email         text,
    disabled      numeric,
    technician_id integer
);
CREATE UNIQUE INDEX idx_user_accounts_identity ON user_accounts (source, source_id);
CREATE INDEX idx_user_accounts_pull ON user_accounts (source, stream, scope);
CREATE INDEX idx_user_accounts_technician_id ON user_accounts (technician_id);

CREATE TABLE authorisations (
    id             integer PRIMARY KEY AUTOINCREMENT,
    source         text NOT NULL,
    source_id      text NOT NULL,
    stream         text NOT NULL,
    scope          text NOT NULL,
    seen_at        datetime,
    removed_at     datetime,
    raw            text,
    customer_ref   text,
    technician_ref text,
    device_ref     text,
    access_scope   text NOT NULL,
    valid_from     datetime NOT NULL,
    valid_to       datetime,
    granted_by     text,
    granted_by_ref text,
    evidence       text,
    recorded_by    text,
    recorded_at    datetime,
    revoked_at     datetime,
    revoked_by     text,
    revoke_reason  text,
    customer_id    integer,
    technician_id  integer,
    device_id      integer
);
CREATE INDEX idx_authorisations_customer_id ON authorisations (customer_id);
CREATE UNIQUE INDEX idx_authorisations_identity ON authorisations (source, source_id);
CREATE INDEX idx_authorisations_pull ON authorisations (source, stream, scope);

CREATE TABLE contacts (
    id           integer PRIMARY KEY AUTOINCREMENT,
    source       text NOT NULL,
    source_id    text NOT NULL,
    stream       text NOT NULL,
    scope        text NOT NULL,
    seen_at      datetime,
    removed_at   datetime,
    raw          text,
    customer_ref text,
    name         text,
    email        text,
    authorised   numeric,
    active       numeric,
    customer_id  integer
);
CREATE INDEX idx_contacts_customer_id ON contacts (customer_id);
CREATE UNIQUE INDEX idx_contacts_identity ON contacts (source, source_id);
CREATE INDEX idx_contacts_pull ON contacts (source, stream, scope);

CREATE TABLE verified_backups (
    id              integer PRIMARY KEY AUTOINCREMENT,
    customer_id     integer NOT NULL,
    device_id       integer,
    what            text NOT NULL,
    taken_at        datetime NOT NULL,
    verified_at     datetime NOT NULL,
    verified_by     text NOT NULL,
    evidence        text NOT NULL,
    recorded_by     text,
    recorded_at     datetime,
    withdrawn_at    datetime,
    withdrawn_by    text,
    withdraw_reason text
);
CREATE INDEX idx_verified_backups_customer_id ON verified_backups (customer_id);

CREATE TABLE findings (
    id            integer PRIMARY KEY AUTOINCREMENT,
    rule          text NOT NULL,
    fingerprint   text NOT NULL,
    subject       text NOT NULL,
    customer_id   integer,
    severity      text NOT NULL,
    summary       text NOT NULL,
    evidence      text,
    technician_id integer,
    device_id     integer,
    first_seen    datetime,
    last_seen     datetime,
    status        text NOT NULL,
    status_by     text,
    status_reason text,
    resolved_at   datetime
);
CREATE INDEX idx_findings_customer_id ON findings (customer_id);
CREATE UNIQUE INDEX idx_findings_fingerprint ON findings (fingerprint);
CREATE INDEX idx_findings_rule ON findings (rule);
CREATE INDEX idx_findings_status ON findings (status);

CREATE TABLE exclusions (
    id            integer PRIMARY KEY AUTOINCREMENT,
    customer_id   integer,
    rule          text,
    technician_id integer,
    device_id     integer,
    reason        text NOT NULL,
    owner         text NOT NULL,
    expires_at    datetime NOT NULL,
    created_by    text,
    created_at    datetime,
    removed_at    datetime,
    removed_by    text
);

CREATE TABLE checkpoints (
    connector       text,
    stream          text,
    scope           text,
    cursor          text,
    pull_started_at datetime,
    updated_at      datetime,
    PRIMARY KEY (connector, stream, scope)
);

CREATE TABLE coverages (
    id           integer PRIMARY KEY AUTOINCREMENT,
    connector    text NOT NULL,
    stream       text NOT NULL,
    scope        text NOT NULL,
    started_at   datetime NOT NULL,
    finished_at  datetime,
    window_start datetime,
    window_end   datetime,
    outcome      text NOT NULL,
    records      integer,
    pages        integer,
    removed      integer,
    warnings     integer,
    error        text
);
CREATE INDEX idx_coverage_stream ON coverages (connector, stream, scope);
CREATE INDEX idx_coverages_started_at ON coverages (started_at);

CREATE TABLE job_runs (
    id          integer PRIMARY KEY AUTOINCREMENT,
    job         text NOT NULL,
    scope       text NOT NULL,
    started_at  datetime NOT NULL,
    finished_at datetime,
    outcome     text NOT NULL,
    counts      text,
    error       text
);
CREATE INDEX idx_job_runs_job ON job_runs (job);
CREATE INDEX idx_job_runs_started_at ON job_runs (started_at);

CREATE TABLE job_leases (
    name       text,
    holder     text NOT NULL,
    slot       datetime NOT NULL,
    expires_at datetime NOT NULL,
    PRIMARY KEY (name)
);

CREATE TABLE report_archives (
    id               integer PRIMARY KEY AUTOINCREMENT,
    customer_id      integer NOT NULL,
    month            text NOT NULL,
    format           text NOT NULL,
    variant          text NOT NULL,
    sha256           text NOT NULL,
    path             text NOT NULL,
    size             integer,
    template_version text,
    created_at       datetime,
    sent_at          datetime
);
CREATE UNIQUE INDEX idx_report_archive ON report_archives (customer_id, month, format, variant, sha256);

CREATE TABLE relationships (
    id               integer PRIMARY KEY AUTOINCREMENT,
    source           text NOT NULL,
    source_id        text NOT NULL,
    stream           text NOT NULL,
    scope            text NOT NULL,
    seen_at          datetime,
    removed_at       datetime,
    raw              text,
    customer_ref     text,
    customer_id      integer,
    customer_name    text,
    display_name     text,
    status           text,
    started_at       datetime,
    ends_at          datetime,
    ended_at         datetime,
    duration_days    integer,
    auto_extend_days integer,
    roles            text,
    assignments      text
);
CREATE INDEX idx_relationships_customer_id ON relationships (customer_id);
CREATE INDEX idx_relationships_customer_ref ON relationships (customer_ref);
CREATE UNIQUE INDEX idx_relationships_identity ON relationships (source, source_id);
CREATE INDEX idx_relationships_pull ON relationships (source, stream, scope);
CREATE INDEX idx_relationships_status ON relationships (status);

CREATE TABLE report_receipts (
    id           integer PRIMARY KEY AUTOINCREMENT,
    source       text NOT NULL,
    source_id    text NOT NULL,
    stream       text NOT NULL,
    scope        text NOT NULL,
    seen_at      datetime,
    removed_at   datetime,
    raw          text,
    message_id   text,
    customer_ref text,
    customer_id  integer,
    month        text,
    subject      text,
    received_at  datetime,
    attachments  text
);
CREATE INDEX idx_report_receipts_customer_id ON report_receipts (customer_id);
CREATE INDEX idx_report_receipts_customer_ref ON report_receipts (customer_ref);
CREATE UNIQUE INDEX idx_report_receipts_identity ON report_receipts (source, source_id);
CREATE INDEX idx_report_receipts_month ON report_receipts (month);
CREATE INDEX idx_report_receipts_pull ON report_receipts (source, stream, scope);

CREATE TABLE outbox_entries (
    id          integer PRIMARY KEY AUTOINCREMENT,
    finding_id  integer NOT NULL,
    fingerprint text NOT NULL,
    event       text NOT NULL,
    severity    text NOT NULL,
    receiver    text NOT NULL DEFAULT "",
    route       integer,
    created_at  datetime NOT NULL
);
CREATE INDEX idx_outbox_entries_finding_id ON outbox_entries (finding_id);
CREATE INDEX idx_outbox_entries_receiver ON outbox_entries (receiver);

CREATE TABLE deliveries (
    id              integer PRIMARY KEY AUTOINCREMENT,
    receiver        text NOT NULL,
    kind            text NOT NULL,
    group_key       text,
    idempotency_key text NOT NULL,
    findings        integer,
    body            text,
    status          text NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at datetime NOT NULL,
    last_error      text,
    created_at      datetime NOT NULL,
    sent_at         datetime
);
CREATE INDEX idx_deliveries_created_at ON deliveries (created_at);
CREATE UNIQUE INDEX idx_deliveries_idempotency_key ON deliveries (idempotency_key);
CREATE INDEX idx_deliveries_receiver ON deliveries (receiver);
CREATE INDEX idx_delivery_due ON deliveries (status, next_attempt_at);

CREATE TABLE notify_logs (
    fingerprint text,
    receiver    text,
    state       text NOT NULL,
    severity    text NOT NULL,
    notified_at datetime NOT NULL,
    delivery_id integer,
    PRIMARY KEY (fingerprint, receiver)
);
CREATE INDEX idx_notify_logs_notified_at ON notify_logs (notified_at);

CREATE TABLE notify_groups (
    group_key  text,
    flushed_at datetime NOT NULL,
    PRIMARY KEY (group_key)
);
