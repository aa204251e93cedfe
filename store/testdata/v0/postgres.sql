--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
--



SET default_tablespace = '';

SET default_table_access_method = heap;

--
--

CREATE TABLE access_events (
    id bigint NOT NULL,
    source text NOT NULL,
    source_id text NOT NULL,
    stream text NOT NULL,
    scope text NOT NULL,
    seen_at timestamp with time zone,
    removed_at timestamp with time zone,
    raw text,
    kind text NOT NULL,
    action text NOT NULL,
    started_at timestamp with time zone NOT NULL,
    ended_at timestamp with time zone,
    customer_ref text,
    actor_ref text,
    actor_name text,
    device_ref text,
    device_name text,
    removal boolean,
    source_ip text,
    detail text,
    attributes text,
    customer_id bigint,
    technician_id bigint,
    device_id bigint,
    covered_by bigint,
    backup_id bigint,
    decision text
);


--
--

CREATE SEQUENCE access_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
--

ALTER SEQUENCE access_events_id_seq OWNED BY access_events.id;


--
--

CREATE TABLE agents (
    id bigint NOT NULL,
    source text NOT NULL,
    source_id text NOT NULL,
    stream text NOT NULL,
    scope text NOT NULL,
    seen_at timestamp with time zone,
    removed_at timestamp with time zone,
    raw text,
    type text NOT NULL,
    customer_ref text,
    device_ref text,
    hostname text,
    installed_at timestamp with time zone,
    session_ended_at timestamp with time zone,
    last_check_in_at timestamp with time zone,
    ended boolean,
    uninstalled_at timestamp with time zone,
    customer_id bigint,
    device_id bigint
);


--
--

CREATE SEQUENCE agents_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
--

ALTER SEQUENCE agents_id_seq OWNED BY agents.id;


--
--

CREATE TABLE authorisations (
    id bigint NOT NULL,
    source text NOT NULL,
    source_id text NOT NULL,
    stream text NOT NULL,
    scope text NOT NULL,
    seen_at timestamp with time zone,
    removed_at timestamp with time zone,
    raw text,
    customer_ref text,
    technician_ref text,
    device_ref text,
    access_scope text NOT NULL,
    valid_from timestamp with time zone NOT NULL,
    valid_to timestamp with time zone,
    granted_by text,
    granted_by_ref text,
    evidence text,
    recorded_by text,
    recorded_at timestamp with time zone,
    revoked_at timestamp with time zone,
    revoked_by text,
    revoke_reason text,
    customer_id bigint,
    technician_id bigint,
    device_id bigint
);


--
--

CREATE SEQUENCE authorisations_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
--

ALTER SEQUENCE authorisations_id_seq OWNED BY authorisations.id;


--
--

CREATE TABLE checkpoints (
    connector text NOT NULL,
    stream text NOT NULL,
    scope text NOT NULL,
    cursor text,
    pull_started_at timestamp with time zone,
    updated_at timestamp with time zone
);


--
--

CREATE TABLE config_backups (
    id bigint NOT NULL,
    source text NOT NULL,
    source_id text NOT NULL,
    configuration_id bigint NOT NULL,
    file_name text,
    name text,
    content_type text,
    size bigint,
    source_created_at timestamp with time zone,
    source_updated_at timestamp with time zone,
    raw text
);


--
--

CREATE SEQUENCE config_backups_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
--

ALTER SEQUENCE config_backups_id_seq OWNED BY config_backups.id;


--
--

CREATE TABLE configurations (
    id bigint NOT NULL,
    source text NOT NULL,
    source_id text NOT NULL,
    stream text NOT NULL,
    scope text NOT NULL,
    seen_at timestamp with time zone,
    removed_at timestamp with time zone,
    raw text,
    customer_ref text,
    customer_id bigint,
    name text,
    hostname text,
    serial text,
    type_name text,
    installed_at timestamp with time zone,
    archived boolean,
    source_created_at timestamp with time zone,
    source_updated_at timestamp with time zone,
    device_id bigint
);


--
--

CREATE SEQUENCE configurations_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
--

ALTER SEQUENCE configurations_id_seq OWNED BY configurations.id;


--
--

CREATE TABLE contacts (
    id bigint NOT NULL,
    source text NOT NULL,
    source_id text NOT NULL,
    stream text NOT NULL,
    scope text NOT NULL,
    seen_at timestamp with time zone,
    removed_at timestamp with time zone,
    raw text,
    customer_ref text,
    name text,
    email text,
    authorised boolean,
    active boolean,
    customer_id bigint
);


--
--

CREATE SEQUENCE contacts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
--

ALTER SEQUENCE contacts_id_seq OWNED BY contacts.id;


--
--

CREATE TABLE coverages (
    id bigint NOT NULL,
    connector text NOT NULL,
    stream text NOT NULL,
    scope text NOT NULL,
    started_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone,
    window_start timestamp with time zone,
    window_end timestamp with time zone,
    outcome text NOT NULL,
    records bigint,
    pages bigint,
    removed bigint,
    warnings bigint,
    error text
);


--
--

CREATE SEQUENCE coverages_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
--

ALTER SEQUENCE coverages_id_seq OWNED BY coverages.id;


--
--

CREATE TABLE customers (
    id bigint NOT NULL,
    name text NOT NULL,
    key text NOT NULL,
    status text DEFAULT 'active'::text NOT NULL,
    status_since timestamp with time zone,
    created_at timestamp with time zone,
    updated_at timestamp with time zone
);


--
--

CREATE SEQUENCE customers_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
--

ALTER SEQUENCE customers_id_seq OWNED BY customers.id;


--
--

CREATE TABLE deliveries (
    id bigint NOT NULL,
    receiver text NOT NULL,
    kind text NOT NULL,
    group_key text,
    idempotency_key text NOT NULL,
    findings bigint,
    body text,
    status text NOT NULL,
    attempts bigint DEFAULT 0 NOT NULL,
    next_attempt_at timestamp with time zone NOT NULL,
    last_error text,
    created_at timestamp with time zone NOT NULL,
    sent_at timestamp with time zone
);


--
--

CREATE SEQUENCE deliveries_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
--

ALTER SEQUENCE deliveries_id_seq OWNED BY deliveries.id;


--
--

CREATE TABLE devices (
    id bigint NOT NULL,
    customer_id bigint,
    name text,
    host_key text,
    serial text,
    created_at timestamp with time zone,
    updated_at timestamp with time zone
);


--
--

CREATE SEQUENCE devices_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
--

ALTER SEQUENCE devices_id_seq OWNED BY devices.id;


--
--

CREATE TABLE endpoints (
    id bigint NOT NULL,
    source text NOT NULL,
    source_id text NOT NULL,
    stream text NOT NULL,
    scope text NOT NULL,
    seen_at timestamp with time zone,
    removed_at timestamp with time zone,
    raw text,
    customer_ref text,
    hostname text,
    domain text,
    serial text,
    os text,
    type_name text,
    last_seen_at timestamp with time zone,
    customer_id bigint,
    device_id bigint
);


--
--

CREATE SEQUENCE endpoints_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
--

ALTER SEQUENCE endpoints_id_seq OWNED BY endpoints.id;


--
--

CREATE TABLE exclusions (
    id bigint NOT NULL,
    customer_id bigint,
    rule text,
    technician_id bigint,
    device_id bigint,
    reason text NOT NULL,
    owner text NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    created_by text,
    created_at timestamp with time zone,
    removed_at timestamp with time zone,
    removed_by text
);


--
--

CREATE SEQUENCE exclusions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
--

ALTER SEQUENCE exclusions_id_seq OWNED BY exclusions.id;


--
--

CREATE TABLE findings (
    id bigint NOT NULL,
    rule text NOT NULL,
    fingerprint text NOT NULL,
    subject text NOT NULL,
    customer_id bigint,
    severity text NOT NULL,
    summary text NOT NULL,
    evidence text,
    technician_id bigint,
    device_id bigint,
    first_seen timestamp with time zone,
    last_seen timestamp with time zone,
    status text NOT NULL,
    status_by text,
    status_reason text,
    resolved_at timestamp with time zone
);


--
--

CREATE SEQUENCE findings_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
--

ALTER SEQUENCE findings_id_seq OWNED BY findings.id;


--
--

CREATE TABLE job_leases (
    name text NOT NULL,
    holder text NOT NULL,
    slot timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL
);


--
--

CREATE TABLE job_runs (
    id bigint NOT NULL,
    job text NOT NULL,
    scope text NOT NULL,
    started_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone,
    outcome text NOT NULL,
    counts text,
    error text
);


--
--

CREATE SEQUENCE job_runs_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
--

ALTER SEQUENCE job_runs_id_seq OWNED BY job_runs.id;


--
--

CREATE TABLE links (
    id bigint NOT NULL,
    source text NOT NULL,
    kind text NOT NULL,
    source_id text NOT NULL,
    target_id bigint NOT NULL,
    method text NOT NULL,
    created_at timestamp with time zone
);


--
--

CREATE SEQUENCE links_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
--

ALTER SEQUENCE links_id_seq OWNED BY links.id;


--
--

CREATE TABLE notify_groups (
    group_key text NOT NULL,
    flushed_at timestamp with time zone NOT NULL
);


--
--

CREATE TABLE notify_logs (
    fingerprint text NOT NULL,
    receiver text NOT NULL,
    state text NOT NULL,
    severity text NOT NULL,
    notified_at timestamp with time zone NOT NULL,
    delivery_id bigint
);


--
--

CREATE TABLE organizations (
    id bigint NOT NULL,
    source text NOT NULL,
    source_id text NOT NULL,
    stream text NOT NULL,
    scope text NOT NULL,
    seen_at timestamp with time zone,
    removed_at timestamp with time zone,
    raw text,
    name text,
    short_name text,
    type text,
    status text,
    source_updated_at timestamp with time zone,
    customer_id bigint
);


--
--

CREATE SEQUENCE organizations_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
--

ALTER SEQUENCE organizations_id_seq OWNED BY organizations.id;


--
--

CREATE TABLE outbox_entries (
    id bigint NOT NULL,
    finding_id bigint NOT NULL,
    fingerprint text NOT NULL,
    event text NOT NULL,
    severity text NOT NULL,
    receiver text DEFAULT ''::text NOT NULL,
    route bigint,
    created_at timestamp with time zone NOT NULL
);


--
--

CREATE SEQUENCE outbox_entries_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
--

ALTER SEQUENCE outbox_entries_id_seq OWNED BY outbox_entries.id;


--
--

CREATE TABLE relationships (
    id bigint NOT NULL,
    source text NOT NULL,
    source_id text NOT NULL,
    stream text NOT NULL,
    scope text NOT NULL,
    seen_at timestamp with time zone,
    removed_at timestamp with time zone,
    raw text,
    customer_ref text,
    customer_id bigint,
    customer_name text,
    display_name text,
    status text,
    started_at timestamp with time zone,
    ends_at timestamp with time zone,
    ended_at timestamp with time zone,
    duration_days bigint,
    auto_extend_days bigint,
    roles text,
    assignments text
);


--
--

CREATE SEQUENCE relationships_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
--

ALTER SEQUENCE relationships_id_seq OWNED BY relationships.id;


--
--

CREATE TABLE report_archives (
    id bigint NOT NULL,
    customer_id bigint NOT NULL,
    month text NOT NULL,
    format text NOT NULL,
    variant text NOT NULL,
    sha256 text NOT NULL,
    path text NOT NULL,
    size bigint,
    template_version text,
    created_at timestamp with time zone,
    sent_at timestamp with time zone
);


--
--

CREATE SEQUENCE report_archives_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
--

ALTER SEQUENCE report_archives_id_seq OWNED BY report_archives.id;


--
--

CREATE TABLE report_receipts (
    id bigint NOT NULL,
    source text NOT NULL,
    source_id text NOT NULL,
    stream text NOT NULL,
    scope text NOT NULL,
    seen_at timestamp with time zone,
    removed_at timestamp with time zone,
    raw text,
    message_id text,
    customer_ref text,
    customer_id bigint,
    month text,
    subject text,
    received_at timestamp with time zone,
    attachments text
);


--
--

CREATE SEQUENCE report_receipts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
--

ALTER SEQUENCE report_receipts_id_seq OWNED BY report_receipts.id;


--
--

CREATE TABLE technicians (
    id bigint NOT NULL,
    name text NOT NULL,
    key text NOT NULL,
    email text,
    aliases text,
    created_at timestamp with time zone,
    updated_at timestamp with time zone
);


--
--

CREATE SEQUENCE technicians_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
--

ALTER SEQUENCE technicians_id_seq OWNED BY technicians.id;


--
--

CREATE TABLE user_accounts (
    id bigint NOT NULL,
    source text NOT NULL,
    source_id text NOT NULL,
    stream text NOT NULL,
    scope text NOT NULL,
    seen_at timestamp with time zone,
    removed_at timestamp with time zone,
    raw text,
    name text,
    email text,
    disabled boolean,
    technician_id bigint
);


--
--

CREATE SEQUENCE user_accounts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
--

ALTER SEQUENCE user_accounts_id_seq OWNED BY user_accounts.id;


--
--

CREATE TABLE verified_backups (
    id bigint NOT NULL,
    customer_id bigint NOT NULL,
    device_id bigint,
    what text NOT NULL,
    taken_at timestamp with time zone NOT NULL,
    verified_at timestamp with time zone NOT NULL,
    verified_by text NOT NULL,
    evidence text NOT NULL,
    recorded_by text,
    recorded_at timestamp with time zone,
    withdrawn_at timestamp with time zone,
    withdrawn_by text,
    withdraw_reason text
);


--
--

CREATE SEQUENCE verified_backups_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
--

ALTER SEQUENCE verified_backups_id_seq OWNED BY verified_backups.id;


--
--

ALTER TABLE ONLY access_events ALTER COLUMN id SET DEFAULT nextval('access_events_id_seq'::regclass);


--
--

ALTER TABLE ONLY agents ALTER COLUMN id SET DEFAULT nextval('agents_id_seq'::regclass);


--
--

ALTER TABLE ONLY authorisations ALTER COLUMN id SET DEFAULT nextval('authorisations_id_seq'::regclass);


--
--

ALTER TABLE ONLY config_backups ALTER COLUMN id SET DEFAULT nextval('config_backups_id_seq'::regclass);


--
--

ALTER TABLE ONLY configurations ALTER COLUMN id SET DEFAULT nextval('configurations_id_seq'::regclass);


--
--

ALTER TABLE ONLY contacts ALTER COLUMN id SET DEFAULT nextval('contacts_id_seq'::regclass);


--
--

ALTER TABLE ONLY coverages ALTER COLUMN id SET DEFAULT nextval('coverages_id_seq'::regclass);


--
--

ALTER TABLE ONLY customers ALTER COLUMN id SET DEFAULT nextval('customers_id_seq'::regclass);


--
--

ALTER TABLE ONLY deliveries ALTER COLUMN id SET DEFAULT nextval('deliveries_id_seq'::regclass);


--
--

ALTER TABLE ONLY devices ALTER COLUMN id SET DEFAULT nextval('devices_id_seq'::regclass);


--
--

ALTER TABLE ONLY endpoints ALTER COLUMN id SET DEFAULT nextval('endpoints_id_seq'::regclass);


--
--

ALTER TABLE ONLY exclusions ALTER COLUMN id SET DEFAULT nextval('exclusions_id_seq'::regclass);


--
--

ALTER TABLE ONLY findings ALTER COLUMN id SET DEFAULT nextval('findings_id_seq'::regclass);


--
--

ALTER TABLE ONLY job_runs ALTER COLUMN id SET DEFAULT nextval('job_runs_id_seq'::regclass);


--
--

ALTER TABLE ONLY links ALTER COLUMN id SET DEFAULT nextval('links_id_seq'::regclass);


--
--

ALTER TABLE ONLY organizations ALTER COLUMN id SET DEFAULT nextval('organizations_id_seq'::regclass);


--
--

ALTER TABLE ONLY outbox_entries ALTER COLUMN id SET DEFAULT nextval('outbox_entries_id_seq'::regclass);


--
--

ALTER TABLE ONLY relationships ALTER COLUMN id SET DEFAULT nextval('relationships_id_seq'::regclass);


--
--

ALTER TABLE ONLY report_archives ALTER COLUMN id SET DEFAULT nextval('report_archives_id_seq'::regclass);


--
--

ALTER TABLE ONLY report_receipts ALTER COLUMN id SET DEFAULT nextval('report_receipts_id_seq'::regclass);


--
--

ALTER TABLE ONLY technicians ALTER COLUMN id SET DEFAULT nextval('technicians_id_seq'::regclass);


--
--

ALTER TABLE ONLY user_accounts ALTER COLUMN id SET DEFAULT nextval('user_accounts_id_seq'::regclass);


--
--

ALTER TABLE ONLY verified_backups ALTER COLUMN id SET DEFAULT nextval('verified_backups_id_seq'::regclass);


--
--

INSERT INTO access_events VALUES (1, 'screenconnect', 's-1', 'sessions', 'all', '2026-10-01 12:00:00+00', NULL, '', 'remote_session', 'connect', '2026-10-01 11:00:00+00', '2026-10-01 12:00:00+00', 'site-7', 'jdoe', 'Jane Doe', 'g-1', 'ACME-DC01', false, '203.0.113.7', 'ticket 4411', '{"guest":"g-1"}', 1, 1, 2, 1, NULL, 'covered by authorisation 1');
INSERT INTO access_events VALUES (2, 'screenconnect', 's-2', 'sessions', 'all', '2026-10-01 12:00:00+00', NULL, '', 'remote_session', 'connect', '2026-10-02 15:00:00+00', NULL, 'site-7', 'bob', 'Bob Roe', '', '', false, '', '', '', 1, 2, NULL, NULL, NULL, 'no authorisation for bob roe');
INSERT INTO access_events VALUES (3, 'dattormm', 'a-9', 'activity', 'all', '2026-10-01 12:00:00+00', NULL, '', 'rmm_job', 'delete', '2026-10-01 14:00:00+00', NULL, '200', 'jdoe', '', 'dev-3', '', true, '', '', '', 2, 1, 3, NULL, 1, 'removal after verified backup 1');


--
--

INSERT INTO agents VALUES (1, 'screenconnect', 'g-1', 'guests', 'all', '2026-10-01 10:00:00+00', NULL, '', 'screenconnect', 'site-7', 'acme-dc01', 'ACME-DC01', '2026-09-18 21:00:00+00', NULL, '2026-10-01 10:00:00+00', false, NULL, 1, 2);
INSERT INTO agents VALUES (2, 'screenconnect', 'g-2', 'guests', 'all', '2026-10-01 10:00:00+00', NULL, '', 'screenconnect', 'init', '', 'INIT-PC', '2026-08-24 21:00:00+00', '2026-09-30 23:00:00+00', NULL, true, '2026-10-01 04:00:00+00', NULL, NULL);


--
--

INSERT INTO authorisations VALUES (1, 'custos', 'auth-1', 'authorisations', 'all', '2026-10-01 09:00:00+00', NULL, '', '', '', '', 'remote_session', '2026-10-01 09:00:00+00', '2026-10-31 09:00:00+00', 'CFO Acme', '', 'ticket 4400', 'jane', '2026-10-01 09:00:00+00', NULL, '', '', 1, 1, NULL);
INSERT INTO authorisations VALUES (2, 'custos', 'auth-2', 'authorisations', 'all', '2026-10-01 09:00:00+00', NULL, '', '', '', '', 'any', '2026-10-01 09:00:00+00', NULL, 'IT lead Globex', '', '', 'bob', '2026-10-01 09:00:00+00', '2026-10-04 09:00:00+00', 'bob', 'contract ended', 2, NULL, NULL);


--
--

INSERT INTO checkpoints VALUES ('screenconnect', 'sessions', 'all', '2026-10-02T12:00:00Z', NULL, '2026-10-01 12:00:00+00');
INSERT INTO checkpoints VALUES ('itglue', 'configurations', '100', 'page=3', '2026-10-01 11:00:00+00', '2026-10-01 11:00:00+00');


--
--

INSERT INTO config_backups VALUES (1, 'itglue', 'bk-1', 1, 'fw01-2026-09.conf', 'September', 'text/plain', 18234, '2026-09-23 01:00:00+00', '2026-09-23 01:00:00+00', '');
INSERT INTO config_backups VALUES (2, 'itglue', 'bk-2', 1, 'fw01-2026-10.conf', 'October', 'text/plain', 18410, '2026-10-01 07:00:00+00', '2026-10-01 07:00:00+00', '');


--
--

INSERT INTO configurations VALUES (1, 'itglue', 'cfg-1', 'configurations', 'all', '2026-10-01 11:00:00+00', NULL, '', '100', 1, 'ACME-FW01', 'acme-fw01', 'FGT60F0001', 'Firewall', '2025-09-21 09:00:00+00', false, '2025-09-21 09:00:00+00', '2026-10-01 10:00:00+00', 1);
INSERT INTO configurations VALUES (2, 'itglue', 'cfg-2', 'configurations', 'all', '2026-10-01 11:00:00+00', NULL, '', '200', 2, 'GLX-NAS', '', 'SYN123', 'NAS', NULL, true, '2026-03-07 01:00:00+00', '2026-10-01 10:00:00+00', NULL);


--
--

INSERT INTO contacts VALUES (1, 'itglue', 'ct-1', 'contacts', 'all', '2026-10-01 10:00:00+00', NULL, '', '100', 'Alice Acme', 'alice@acme.example', true, true, 1);


--
--

INSERT INTO coverages VALUES (1, 'screenconnect', 'sessions', 'all', '2026-10-01 12:00:00+00', '2026-10-01 12:01:00+00', '2026-09-30 09:00:00+00', '2026-10-01 12:00:00+00', 'complete', 2, 1, 0, 0, '');
INSERT INTO coverages VALUES (2, 'itglue', 'configurations', '100', '2026-10-01 11:00:00+00', '2026-10-01 11:02:00+00', NULL, NULL, 'partial', 40, 2, 0, 1, 'page 3: 429 Too Many Requests');


--
--

INSERT INTO customers VALUES (1, 'Acme Ltd', 'acme', 'active', NULL, '2026-10-01 09:00:00+00', '2026-10-01 09:00:00+00');
INSERT INTO customers VALUES (2, 'Globex GmbH', 'globex', 'active', NULL, '2026-10-01 09:00:00+00', '2026-10-01 10:00:00+00');
INSERT INTO customers VALUES (3, 'Initech', 'initech', 'offboarded', '2026-10-03 09:00:00+00', '2026-10-01 09:00:00+00', '2026-10-03 09:00:00+00');


--
--

INSERT INTO deliveries VALUES (1, 'ops-mail', 'alert', 'acme', 'idem-1', 1, '', 'sent', 1, '2026-10-02 16:00:00+00', '', '2026-10-02 16:00:00+00', '2026-10-02 16:00:00+00');
INSERT INTO deliveries VALUES (2, 'teams', 'digest', '', 'idem-2', 2, 'sealed:...', 'pending', 2, '2026-10-02 18:00:00+00', '503 Service Unavailable', '2026-10-02 17:00:00+00', NULL);


--
--

INSERT INTO devices VALUES (1, 1, 'ACME-FW01', 'acme-fw01', 'FGT60F0001', '2026-10-01 09:00:00+00', '2026-10-01 09:00:00+00');
INSERT INTO devices VALUES (2, 1, 'ACME-DC01', 'acme-dc01', '', '2026-10-01 09:00:00+00', '2026-10-01 09:00:00+00');
INSERT INTO devices VALUES (3, 2, 'GLX-NAS', '', 'SYN123', '2026-10-01 09:00:00+00', '2026-10-01 09:00:00+00');


--
--

INSERT INTO endpoints VALUES (1, 'dattormm', 'dev-3', 'devices', 'all', '2026-10-01 10:00:00+00', NULL, '', '200', 'glx-nas', 'globex.local', 'SYN123', 'DSM 7', 'NAS', '2026-10-01 10:00:00+00', 2, 3);


--
--

INSERT INTO exclusions VALUES (1, 2, 'access_without_authorisation', NULL, 3, 'planned migration', 'jane', '2026-10-15 09:00:00+00', 'jane', '2026-10-01 13:00:00+00', NULL, '');
INSERT INTO exclusions VALUES (2, NULL, 'orphaned_agent', NULL, NULL, 'tested', 'bob', '2026-10-02 09:00:00+00', 'bob', '2026-10-01 09:00:00+00', '2026-10-01 11:00:00+00', 'bob');


--
--

INSERT INTO findings VALUES (1, 'access_without_authorisation', 'fp-open-1', 'screenconnect:session:s-2', 1, 'high', 'Bob Roe connected to Acme Ltd without an authorisation', 'access_events:2', 2, NULL, '2026-10-02 16:00:00+00', '2026-10-03 01:00:00+00', 'open', '', '', NULL);
INSERT INTO findings VALUES (2, 'config_backup_stale', 'fp-ack-1', 'itglue:configuration:cfg-2', 2, 'medium', 'GLX-NAS has no configuration backup', 'configurations:2', NULL, NULL, '2026-10-01 11:00:00+00', '2026-10-03 01:00:00+00', 'acknowledged', 'jane', 'backup job being fixed', NULL);
INSERT INTO findings VALUES (3, 'orphaned_agent', 'fp-res-1', 'screenconnect:guest:g-2', NULL, 'low', 'Agent on INIT-PC still installed after offboarding', 'agents:2', NULL, NULL, '2026-09-30 13:00:00+00', '2026-10-01 04:00:00+00', 'resolved', '', '', '2026-10-01 04:00:00+00');
INSERT INTO findings VALUES (4, 'access_without_authorisation', 'fp-sup-1', 'dattormm:activity:a-9', 2, 'high', 'Removal on GLX-NAS', 'access_events:3', 1, 3, '2026-10-01 15:00:00+00', '2026-10-01 15:00:00+00', 'suppressed', 'exclusion 1', 'planned migration', NULL);


--
--

INSERT INTO job_leases VALUES ('sync', 'replica-a', '2026-10-01 11:00:00+00', '2026-10-01 11:10:00+00');


--
--

INSERT INTO job_runs VALUES (1, 'sync', 'all', '2026-10-01 11:00:00+00', '2026-10-01 12:00:00+00', 'ok', '{"records":42}', '');
INSERT INTO job_runs VALUES (2, 'reconcile', 'all', '2026-10-01 13:00:00+00', '2026-10-01 13:00:00+00', 'failed', '', 'context deadline exceeded');
INSERT INTO job_runs VALUES (3, 'notify', 'all', '2026-10-01 14:00:00+00', NULL, 'running', '', '');


--
--

INSERT INTO links VALUES (1, 'itglue', 'customer', '100', 1, 'auto:created', '2026-10-01 09:00:00+00');
INSERT INTO links VALUES (2, 'dattormm', 'customer', 'site-7', 1, 'auto:name', '2026-10-01 09:00:00+00');
INSERT INTO links VALUES (3, 'itglue', 'customer', '200', 2, 'manual', '2026-10-01 09:00:00+00');
INSERT INTO links VALUES (4, 'screenconnect', 'technician', 'jdoe', 1, 'auto:name', '2026-10-01 09:00:00+00');
INSERT INTO links VALUES (5, 'itglue', 'device', 'cfg-1', 1, 'auto:created', '2026-10-01 09:00:00+00');


--
--

INSERT INTO notify_groups VALUES ('acme', '2026-10-02 16:00:00+00');


--
--

INSERT INTO notify_logs VALUES ('fp-open-1', 'ops-mail', 'firing', 'high', '2026-10-02 16:00:00+00', 1);
INSERT INTO notify_logs VALUES ('fp-res-1', 'ops-mail', 'resolved', 'low', '2026-10-01 04:00:00+00', 0);


--
--

INSERT INTO organizations VALUES (1, 'itglue', '100', 'organizations', 'all', '2026-10-01 10:00:00+00', NULL, '', 'Acme Ltd', 'ACME', 'Customer', 'Active', '2026-10-01 09:00:00+00', 1);
INSERT INTO organizations VALUES (2, 'itglue', '200', 'organizations', 'all', '2026-10-01 10:00:00+00', NULL, '', 'Globex GmbH', '', 'Customer', 'Active', '2026-10-01 09:00:00+00', 2);


--
--

INSERT INTO outbox_entries VALUES (1, 1, 'fp-open-1', 'opened', 'high', '', 0, '2026-10-02 16:00:00+00');
INSERT INTO outbox_entries VALUES (2, 1, 'fp-open-1', 'opened', 'high', 'ops-mail', 1, '2026-10-02 16:00:00+00');


--
--

INSERT INTO relationships VALUES (1, 'm365', 'rel-1', 'relationships', 'all', '2026-10-01 10:00:00+00', NULL, '', 'tenant-acme', 1, 'Acme Ltd', 'Acme GDAP', 'active', '2026-07-10 01:00:00+00', '2026-12-23 17:00:00+00', NULL, 730, 180, '[{"id":"62e90394","name":"Helpdesk Administrator"}]', '[{"group":"Helpdesk","roles":["62e90394"]}]');


--
--

INSERT INTO report_archives VALUES (1, 1, '2026-09', 'pdf', 'customer', 'abababababababababababababababababababababababababababababababab', 'reports/acme/2026-09.pdf', 80211, '3', '2026-10-01 10:00:00+00', '2026-10-01 11:00:00+00');
INSERT INTO report_archives VALUES (2, 1, '2026-09', 'html', 'internal', 'cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd', 'reports/acme/2026-09-internal.html', 20111, '3', '2026-10-01 10:00:00+00', NULL);


--
--

INSERT INTO report_receipts VALUES (1, 'mailbox', 'msg-1', 'report_receipts', 'all', '2026-10-01 10:00:00+00', NULL, '', '<r1@rmm.example>', 'Acme Ltd', 1, '2026-09', 'Monthly report Acme Ltd September 2026', '2026-09-30 13:00:00+00', '[{"name":"acme.pdf","size":1200}]');


--
--

INSERT INTO technicians VALUES (1, 'Jane Doe', 'jane doe', 'jane@msp.example', 'J. Doe|jdoe', '2026-10-01 09:00:00+00', '2026-10-01 09:00:00+00');
INSERT INTO technicians VALUES (2, 'Bob Roe', 'bob roe', 'bob@msp.example', '', '2026-10-01 09:00:00+00', '2026-10-01 09:00:00+00');


--
--

INSERT INTO user_accounts VALUES (1, 'screenconnect', 'jdoe', 'users', 'all', '2026-10-01 10:00:00+00', NULL, '', 'Jane Doe', 'jane@msp.example', false, 1);
INSERT INTO user_accounts VALUES (2, 'screenconnect', 'old', 'users', 'all', '2026-10-01 10:00:00+00', NULL, '', 'Former Tech', '', true, NULL);


--
--

INSERT INTO verified_backups VALUES (1, 2, 3, 'NAS shares', '2026-10-01 05:00:00+00', '2026-10-01 06:00:00+00', 'jane', 'restore test 77', 'jane', '2026-10-01 06:00:00+00', NULL, '', '');
INSERT INTO verified_backups VALUES (2, 1, NULL, 'mailbox of j.smith', '2026-09-29 07:00:00+00', '2026-09-29 08:00:00+00', 'bob', 'job 12', 'bob', '2026-09-29 08:00:00+00', '2026-10-01 08:00:00+00', 'bob', 'restore failed');


--
--

SELECT pg_catalog.setval('access_events_id_seq', 3, true);


--
--

SELECT pg_catalog.setval('agents_id_seq', 2, true);


--
--

SELECT pg_catalog.setval('authorisations_id_seq', 2, true);


--
--

SELECT pg_catalog.setval('config_backups_id_seq', 2, true);


--
--

SELECT pg_catalog.setval('configurations_id_seq', 2, true);


--
--

SELECT pg_catalog.setval('contacts_id_seq', 1, true);


--
--

SELECT pg_catalog.setval('coverages_id_seq', 2, true);


--
--

SELECT pg_catalog.setval('customers_id_seq', 3, true);


--
--

SELECT pg_catalog.setval('deliveries_id_seq', 2, true);


--
--

SELECT pg_catalog.setval('devices_id_seq', 3, true);


--
--

SELECT pg_catalog.setval('endpoints_id_seq', 1, true);


--
--

SELECT pg_catalog.setval('exclusions_id_seq', 2, true);


--
--

SELECT pg_catalog.setval('findings_id_seq', 4, true);


--
--

SELECT pg_catalog.setval('job_runs_id_seq', 3, true);


--
--

SELECT pg_catalog.setval('links_id_seq', 5, true);


--
--

SELECT pg_catalog.setval('organizations_id_seq', 2, true);


--
--

SELECT pg_catalog.setval('outbox_entries_id_seq', 2, true);


--
--

SELECT pg_catalog.setval('relationships_id_seq', 1, true);


--
--

SELECT pg_catalog.setval('report_archives_id_seq', 2, true);


--
--

SELECT pg_catalog.setval('report_receipts_id_seq', 1, true);


--
--

SELECT pg_catalog.setval('technicians_id_seq', 2, true);


--
--

SELECT pg_catalog.setval('user_accounts_id_seq', 2, true);


--
--

SELECT pg_catalog.setval('verified_backups_id_seq', 2, true);


--
--

ALTER TABLE ONLY access_events
    ADD CONSTRAINT access_events_pkey PRIMARY KEY (id);


--
--

ALTER TABLE ONLY agents
    ADD CONSTRAINT agents_pkey PRIMARY KEY (id);


--
--

ALTER TABLE ONLY authorisations
    ADD CONSTRAINT authorisations_pkey PRIMARY KEY (id);


--
--

ALTER TABLE ONLY checkpoints
    ADD CONSTRAINT checkpoints_pkey PRIMARY KEY (connector, stream, scope);


--
--

ALTER TABLE ONLY config_backups
    ADD CONSTRAINT config_backups_pkey PRIMARY KEY (id);


--
--

ALTER TABLE ONLY configurations
    ADD CONSTRAINT configurations_pkey PRIMARY KEY (id);


--
--

ALTER TABLE ONLY contacts
    ADD CONSTRAINT contacts_pkey PRIMARY KEY (id);


--
--

ALTER TABLE ONLY coverages
    ADD CONSTRAINT coverages_pkey PRIMARY KEY (id);


--
--

ALTER TABLE ONLY customers
    ADD CONSTRAINT customers_pkey PRIMARY KEY (id);


--
--

ALTER TABLE ONLY deliveries
    ADD CONSTRAINT deliveries_pkey PRIMARY KEY (id);


--
--

ALTER TABLE ONLY devices
    ADD CONSTRAINT devices_pkey PRIMARY KEY (id);


--
--

ALTER TABLE ONLY endpoints
    ADD CONSTRAINT endpoints_pkey PRIMARY KEY (id);


--
--

ALTER TABLE ONLY exclusions
    ADD CONSTRAINT exclusions_pkey PRIMARY KEY (id);


--
--

ALTER TABLE ONLY findings
    ADD CONSTRAINT findings_pkey PRIMARY KEY (id);


--
--

ALTER TABLE ONLY job_leases
    ADD CONSTRAINT job_leases_pkey PRIMARY KEY (name);


--
--

ALTER TABLE ONLY job_runs
    ADD CONSTRAINT job_runs_pkey PRIMARY KEY (id);


--
--

ALTER TABLE ONLY links
    ADD CONSTRAINT links_pkey PRIMARY KEY (id);


--
--

ALTER TABLE ONLY notify_groups
    ADD CONSTRAINT notify_groups_pkey PRIMARY KEY (group_key);


--
--

ALTER TABLE ONLY notify_logs
    ADD CONSTRAINT notify_logs_pkey PRIMARY KEY (fingerprint, receiver);


--
--

ALTER TABLE ONLY organizations
    ADD CONSTRAINT organizations_pkey PRIMARY KEY (id);


--
--

ALTER TABLE ONLY outbox_entries
    ADD CONSTRAINT outbox_entries_pkey PRIMARY KEY (id);


--
--

ALTER TABLE ONLY relationships
    ADD CONSTRAINT relationships_pkey PRIMARY KEY (id);


--
--

ALTER TABLE ONLY report_archives
    ADD CONSTRAINT report_archives_pkey PRIMARY KEY (id);


--
--

ALTER TABLE ONLY report_receipts
    ADD CONSTRAINT report_receipts_pkey PRIMARY KEY (id);


--
--

ALTER TABLE ONLY technicians
    ADD CONSTRAINT technicians_pkey PRIMARY KEY (id);


--
--

ALTER TABLE ONLY user_accounts
    ADD CONSTRAINT user_accounts_pkey PRIMARY KEY (id);


--
--

ALTER TABLE ONLY verified_backups
    ADD CONSTRAINT verified_backups_pkey PRIMARY KEY (id);


--
--

CREATE INDEX idx_access_customer_time ON access_events USING btree (customer_id, started_at);


--
--

CREATE INDEX idx_access_events_actor_ref ON access_events USING btree (actor_ref);


--
--

CREATE INDEX idx_access_events_customer_ref ON access_events USING btree (customer_ref);


--
--

CREATE INDEX idx_access_events_device_id ON access_events USING btree (device_id);


--
--

CREATE INDEX idx_access_events_device_ref ON access_events USING btree (device_ref);


--
--

CREATE UNIQUE INDEX idx_access_events_identity ON access_events USING btree (source, source_id);


--
--

CREATE INDEX idx_access_events_pull ON access_events USING btree (source, stream, scope);


--
--

CREATE INDEX idx_access_events_technician_id ON access_events USING btree (technician_id);


--
--

CREATE INDEX idx_agents_customer_id ON agents USING btree (customer_id);


--
--

CREATE INDEX idx_agents_customer_ref ON agents USING btree (customer_ref);


--
--

CREATE INDEX idx_agents_device_id ON agents USING btree (device_id);


--
--

CREATE INDEX idx_agents_device_ref ON agents USING btree (device_ref);


--
--

CREATE UNIQUE INDEX idx_agents_identity ON agents USING btree (source, source_id);


--
--

CREATE INDEX idx_agents_pull ON agents USING btree (source, stream, scope);


--
--

CREATE INDEX idx_authorisations_customer_id ON authorisations USING btree (customer_id);


--
--

CREATE UNIQUE INDEX idx_authorisations_identity ON authorisations USING btree (source, source_id);


--
--

CREATE INDEX idx_authorisations_pull ON authorisations USING btree (source, stream, scope);


--
--

CREATE UNIQUE INDEX idx_backup_identity ON config_backups USING btree (source, source_id);


--
--

CREATE INDEX idx_config_backups_configuration_id ON config_backups USING btree (configuration_id);


--
--

CREATE INDEX idx_configurations_customer_id ON configurations USING btree (customer_id);


--
--

CREATE INDEX idx_configurations_customer_ref ON configurations USING btree (customer_ref);


--
--

CREATE INDEX idx_configurations_device_id ON configurations USING btree (device_id);


--
--

CREATE UNIQUE INDEX idx_configurations_identity ON configurations USING btree (source, source_id);


--
--

CREATE INDEX idx_configurations_pull ON configurations USING btree (source, stream, scope);


--
--

CREATE INDEX idx_contacts_customer_id ON contacts USING btree (customer_id);


--
--

CREATE UNIQUE INDEX idx_contacts_identity ON contacts USING btree (source, source_id);


--
--

CREATE INDEX idx_contacts_pull ON contacts USING btree (source, stream, scope);


--
--

CREATE INDEX idx_coverage_stream ON coverages USING btree (connector, stream, scope);


--
--

CREATE INDEX idx_coverages_started_at ON coverages USING btree (started_at);


--
--

CREATE UNIQUE INDEX idx_customers_key ON customers USING btree (key);


--
--

CREATE INDEX idx_deliveries_created_at ON deliveries USING btree (created_at);


--
--

CREATE UNIQUE INDEX idx_deliveries_idempotency_key ON deliveries USING btree (idempotency_key);


--
--

CREATE INDEX idx_deliveries_receiver ON deliveries USING btree (receiver);


--
--

CREATE INDEX idx_delivery_due ON deliveries USING btree (status, next_attempt_at);


--
--

CREATE INDEX idx_devices_customer_id ON devices USING btree (customer_id);


--
--

CREATE INDEX idx_devices_host_key ON devices USING btree (host_key);


--
--

CREATE INDEX idx_devices_serial ON devices USING btree (serial);


--
--

CREATE INDEX idx_endpoints_customer_id ON endpoints USING btree (customer_id);


--
--

CREATE INDEX idx_endpoints_customer_ref ON endpoints USING btree (customer_ref);


--
--

CREATE INDEX idx_endpoints_device_id ON endpoints USING btree (device_id);


--
--

CREATE UNIQUE INDEX idx_endpoints_identity ON endpoints USING btree (source, source_id);


--
--

CREATE INDEX idx_endpoints_pull ON endpoints USING btree (source, stream, scope);


--
--

CREATE INDEX idx_findings_customer_id ON findings USING btree (customer_id);


--
--

CREATE UNIQUE INDEX idx_findings_fingerprint ON findings USING btree (fingerprint);


--
--

CREATE INDEX idx_findings_rule ON findings USING btree (rule);


--
--

CREATE INDEX idx_findings_status ON findings USING btree (status);


--
--

CREATE INDEX idx_job_runs_job ON job_runs USING btree (job);


--
--

CREATE INDEX idx_job_runs_started_at ON job_runs USING btree (started_at);


--
--

CREATE UNIQUE INDEX idx_link_identity ON links USING btree (source, kind, source_id);


--
--

CREATE INDEX idx_links_target_id ON links USING btree (target_id);


--
--

CREATE INDEX idx_notify_logs_notified_at ON notify_logs USING btree (notified_at);


--
--

CREATE INDEX idx_organizations_customer_id ON organizations USING btree (customer_id);


--
--

CREATE UNIQUE INDEX idx_organizations_identity ON organizations USING btree (source, source_id);


--
--

CREATE INDEX idx_organizations_pull ON organizations USING btree (source, stream, scope);


--
--

CREATE INDEX idx_outbox_entries_finding_id ON outbox_entries USING btree (finding_id);


--
--

CREATE INDEX idx_outbox_entries_receiver ON outbox_entries USING btree (receiver);


--
--

CREATE INDEX idx_relationships_customer_id ON relationships USING btree (customer_id);


--
--

CREATE INDEX idx_relationships_customer_ref ON relationships USING btree (customer_ref);


--
--

CREATE UNIQUE INDEX idx_relationships_identity ON relationships USING btree (source, source_id);


--
--

CREATE INDEX idx_relationships_pull ON relationships USING btree (source, stream, scope);


--
--

CREATE INDEX idx_relationships_status ON relationships USING btree (status);


--
--

CREATE UNIQUE INDEX idx_report_archive ON report_archives USING btree (customer_id, month, format, variant, sha256);


--
--

CREATE INDEX idx_report_receipts_customer_id ON report_receipts USING btree (customer_id);


--
--

CREATE INDEX idx_report_receipts_customer_ref ON report_receipts USING btree (customer_ref);


--
--

CREATE UNIQUE INDEX idx_report_receipts_identity ON report_receipts USING btree (source, source_id);


--
--

CREATE INDEX idx_report_receipts_month ON report_receipts USING btree (month);


--
--

CREATE INDEX idx_report_receipts_pull ON report_receipts USING btree (source, stream, scope);


--
--

CREATE INDEX idx_technicians_email ON technicians USING btree (email);


--
--

CREATE UNIQUE INDEX idx_technicians_key ON technicians USING btree (key);


--
--

CREATE UNIQUE INDEX idx_user_accounts_identity ON user_accounts USING btree (source, source_id);


--
--

CREATE INDEX idx_user_accounts_pull ON user_accounts USING btree (source, stream, scope);


--
--

CREATE INDEX idx_user_accounts_technician_id ON user_accounts USING btree (technician_id);


--
--

CREATE INDEX idx_verified_backups_customer_id ON verified_backups USING btree (customer_id);


--
--

ALTER TABLE ONLY config_backups
    ADD CONSTRAINT fk_configurations_backups FOREIGN KEY (configuration_id) REFERENCES configurations(id) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--


