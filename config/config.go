// Package config reads Custos's TOML configuration: strict decoding (an unknown key or
// a wrong type is an error naming the key), defaults for every key, validation that
// lists every problem with its key path, and secrets only by reference.
package config

import (
	"time"

	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/secret"
)

// Config is the whole configuration file.
type Config struct {
	// Dir is the directory of the configuration file; relative paths in the file are
	// resolved against it. It is not read from the file.
	Dir string `toml:"-"`

	Log        Log        `toml:"log"`
	Store      Store      `toml:"store"`
	Seal       Seal       `toml:"seal"`
	Sync       Sync       `toml:"sync"`
	Connectors Connectors `toml:"connectors"`
	Customers  Customers  `toml:"customers"`
	// Rules holds the [rules.*] tables, which package reconcile decodes: each rule
	// owns its settings, their defaults and their validation.
	Rules     RuleTables `toml:"-"`
	Daemon    Daemon     `toml:"daemon"`
	Web       Web        `toml:"web"`
	Schedules Schedules  `toml:"schedules"`
	Retention Retention  `toml:"retention"`
	// Technicians lists the MSP's technicians; Datto RMM users are added to them.
	Technicians    []Technician   `toml:"technicians"`
	Authorisations Authorisations `toml:"authorisations"`
	Report         Report         `toml:"report"`
	Notify         Notify         `toml:"notify"`
}

// Report configures the monthly customer reports.
type Report struct {
	// MSPName is the name the reports are issued under.
	MSPName string `toml:"msp_name"`
	// Logo is a PNG or JPEG file shown at the top of every report; empty shows none.
	Logo string `toml:"logo"`
	// Colour is the MSP's colour, #RRGGBB, for the reports' titles and rules.
	Colour string `toml:"colour"`
	// Dir is where the monthly job writes and archives the reports.
	Dir string `toml:"dir"`
	// TimeZone is the IANA zone of the calendar month of a customer that Customers
	// gives no zone.
	TimeZone Location `toml:"timezone"`
	// Formats lists what the monthly job renders: html, pdf.
	Formats []string `toml:"formats"`
	// Internal makes the monthly job also render and archive the internal variant,
	// which is never e-mailed to the customer.
	Internal bool `toml:"internal"`
	// Customers holds, by customer name, the customer's time zone and report recipients.
	Customers map[string]ReportCustomer `toml:"customers"`
	// Receiver names the e-mail receiver in notify.receivers that reports are sent
	// through, to each customer's recipients; empty sends none.
	Receiver string `toml:"receiver"`
	// SigningKey is the MSP's Ed25519 key (PEM) that signs evidence bundles; unset
	// makes none. `custos evidence new-key FILE` writes one and its public key.
	SigningKey secret.Ref `toml:"signing_key"`
}

// ReportCustomer is one customer's report settings.
type ReportCustomer struct {
	// TimeZone is the IANA zone the customer's calendar month is read in; unset
	// uses report.timezone.
	TimeZone Location `toml:"timezone"`
	// Recipients are the e-mail addresses the monthly report is sent to.
	Recipients []string `toml:"recipients"`
}

// Authorisations configures how accesses are matched to authorisations.
type Authorisations struct {
	// GraceBefore lets an access start this long before its authorisation begins.
	GraceBefore duration.Duration `toml:"grace_before"`
	// GraceAfter lets an access end this long after its authorisation ends.
	GraceAfter duration.Duration `toml:"grace_after"`
	// Contacts lists, by customer name, the people (names or e-mail addresses) who
	// may authorise access, besides the PSA's authorisation contacts.
	Contacts map[string][]string `toml:"contacts"`
}

// Daemon configures `custos run`.
type Daemon struct {
	// Listen is the address of /healthz, /readyz and /metrics; localhost by default.
	Listen string `toml:"listen"`
	// ShutdownTimeout bounds how long SIGTERM waits for the work in flight.
	ShutdownTimeout duration.Duration `toml:"shutdown_timeout"`
	// LeaseTTL is how long a replica holds a job's lease without renewing it before
	// another replica may take the job over (PostgreSQL).
	LeaseTTL duration.Duration `toml:"lease_ttl"`
}

// Web configures the console and the API that `custos run` serves, and how people
// sign in to them. /metrics and /healthz stay on [daemon] listen.
type Web struct {
	// Listen is the console's address; empty serves no console.
	Listen string `toml:"listen"`
	// PublicURL is the address people reach the console at (behind a proxy, the
	// proxy's), e.g. https://custos.example.com: the OpenID Connect redirect URI is
	// PublicURL + /auth/callback. Plain http is allowed only for a loopback host.
	PublicURL string `toml:"public_url"`
	// TLSCert and TLSKey are PEM files of the console's certificate (chain) and key;
	// both or neither. Without them the console speaks plain HTTP, for a proxy that
	// terminates TLS in front of it.
	TLSCert string `toml:"tls_cert"`
	TLSKey  string `toml:"tls_key"`
	// TrustedProxies are the networks (CIDRs, or single addresses) whose
	// X-Forwarded-For header is believed for the client's address.
	TrustedProxies []string `toml:"trusted_proxies"`
	// SessionLifetime is how long a console session lasts after sign-in.
	SessionLifetime duration.Duration `toml:"session_lifetime"`
	// Entra is the app registration people sign in through.
	Entra WebEntra `toml:"entra"`
}

// WebEntra is the Microsoft Entra ID app registration (in the MSP's own tenant)
// that people sign in to the console through, with OpenID Connect.
type WebEntra struct {
	// TenantID is the MSP's tenant id (a GUID); empty turns sign-in through Entra
	// off (API tokens and `custos console` still work).
	TenantID string `toml:"tenant_id"`
	// ClientID is the app registration's application (client) id.
	ClientID string `toml:"client_id"`
	// ClientSecret is a client secret of the app registration.
	ClientSecret secret.Ref `toml:"client_secret"`
	// Authority is the Entra sign-in host: https://login.microsoftonline.com/, a
	// national cloud's (https://login.microsoftonline.us/) or a test server. The
	// issuer is Authority + TenantID + /v2.0.
	Authority string `toml:"authority"`
	// CAFile is a PEM file of further certificate authorities to trust for the
	// sign-in host, besides the system's (a TLS-inspecting proxy, a test server).
	CAFile string `toml:"ca_file"`
	// Roles maps an app role's value, or a group's object id, that Entra puts in the
	// ID token (roles and groups claims) to a Custos role: viewer, auditor, operator
	// or admin. The highest that a person has wins; a person with none is refused.
	Roles map[string]string `toml:"roles"`
}

// Schedules holds the cron schedules of the jobs.
type Schedules struct {
	// TimeZone is the IANA zone the schedules are read in; unset is UTC.
	TimeZone Location `toml:"timezone"`
	// Sync is the default schedule of every connector's sync.
	Sync Schedule `toml:"sync"`
	// Reconcile evaluates the rules; it also runs after a sync that brought records.
	Reconcile Schedule `toml:"reconcile"`
	// Retention deletes and anonymises what the retention settings say.
	Retention Schedule `toml:"retention"`
	// Report renders, archives and sends the previous month's customer reports.
	Report Schedule `toml:"report"`
	// Notify routes new outbox entries and delivers what is due.
	Notify Schedule `toml:"notify"`
	// Spread delays each scheduled run by a fixed amount derived from the job's
	// name, up to this much, so that jobs do not all start at the same second.
	Spread duration.Duration `toml:"spread"`
}

// Retention says how long Custos keeps what it stores.
type Retention struct {
	// RawPayloads is how long sealed vendor payloads are kept.
	RawPayloads duration.Duration `toml:"raw_payloads"`
	// RemovedRecords is how long a record removed at its source is kept.
	RemovedRecords duration.Duration `toml:"removed_records"`
	// Coverage is how long coverage rows are kept.
	Coverage duration.Duration `toml:"coverage"`
	// JobRuns is how long job history is kept.
	JobRuns duration.Duration `toml:"job_runs"`
	// ResolvedFindings is how long a resolved finding is kept.
	ResolvedFindings duration.Duration `toml:"resolved_findings"`
	// AccessEvents is how long an access event is kept.
	AccessEvents duration.Duration `toml:"access_events"`
	// PersonalData is how long an access event keeps the technician's IP address and
	// display name.
	PersonalData duration.Duration `toml:"personal_data"`
	// Deliveries is how long a notification's receipt is kept (its body goes on delivery).
	Deliveries duration.Duration `toml:"deliveries"`
	// Reports is how long a rendered monthly report is kept on disk and in the
	// archive after it was written.
	Reports duration.Duration `toml:"reports"`
	// AuditTrail is how long the audit trail of the console and the API keeps an
	// entry, and a revoked or expired API token is kept.
	AuditTrail duration.Duration `toml:"audit_trail"`
	// ExceedLimitsBecause, when not empty, says why this installation keeps data
	// longer than RetentionLimits allow; without it a longer period is refused.
	ExceedLimitsBecause string `toml:"exceed_limits_because"`
}

// RetentionLimit is a retention setting's value beside the longest it may be
// without Retention.ExceedLimitsBecause, and the policy the limit comes from.
type RetentionLimit struct {
	Key          string
	Value, Limit duration.Duration
	Policy       string
}

// RetentionLimits are the upper bounds the MSP policies Custos audits set on its own
// data (execution history one month, alerts discarded once sent, personal data kept
// minimal and for a stated time), each with r's value.
func RetentionLimits(r Retention) []RetentionLimit {
	day := duration.Duration(24 * time.Hour)
	return []RetentionLimit{
		{"retention.raw_payloads", r.RawPayloads, 90 * day, "vendor payloads only while a finding may need them"},
		{"retention.removed_records", r.RemovedRecords, 180 * day, "records their source removed are not needed long"},
		{"retention.coverage", r.Coverage, 400 * day, "a year of coverage for the monthly reports"},
		{"retention.job_runs", r.JobRuns, 31 * day, "execution history at most one month"},
		{"retention.resolved_findings", r.ResolvedFindings, 730 * day, "two years of resolved findings"},
		{"retention.access_events", r.AccessEvents, 1095 * day, "three years of access history"},
		{"retention.personal_data", r.PersonalData, 365 * day, "names, addresses and free text for at most a year"},
		{"retention.deliveries", r.Deliveries, 90 * day, "alerts discarded once sent"},
		{"retention.reports", r.Reports, 2557 * day, "seven years of monthly reports"},
		{"retention.audit_trail", r.AuditTrail, 1095 * day, "the console's audit trail as long as the access history it changed"},
	}
}

// Log configures logging.
type Log struct {
	// Level is debug, info, warn or error.
	Level string `toml:"level"`
	// Format is auto (console on a terminal, JSON otherwise), json or console.
	Format string `toml:"format"`
}

// Store configures the database.
type Store struct {
	// Driver is sqlite or postgres.
	Driver string `toml:"driver"`
	// Path is the SQLite file.
	Path string `toml:"path"`
	// DSN is the PostgreSQL connection string; it holds a password, so it is a secret.
	DSN secret.Ref `toml:"dsn"`
	// MaxOpenConns bounds the connection pool (PostgreSQL).
	MaxOpenConns int `toml:"max_open_conns"`
}

// Seal configures the encryption of sealed fields (raw payloads, message bodies).
type Seal struct {
	// Key is the current 32-byte key: raw bytes, 64 hex digits or base64.
	Key secret.Ref `toml:"key"`
	// PreviousKeys still open values sealed before a key rotation.
	PreviousKeys []secret.Ref `toml:"previous_keys"`
	// KeepRawPayloads stores each record's vendor payload, sealed, for troubleshooting.
	KeepRawPayloads bool `toml:"keep_raw_payloads"`
}

// Sync configures the sync engine.
type Sync struct {
	// BatchSize is how many records are committed in one transaction with their cursor.
	BatchSize int `toml:"batch_size"`
	// Concurrency is how many scopes of one stream are pulled at once.
	Concurrency int `toml:"concurrency"`
}

// Connectors holds one section per vendor.
type Connectors struct {
	ITGlue        ITGlue        `toml:"itglue"`
	ScreenConnect ScreenConnect `toml:"screenconnect"`
	DattoRMM      DattoRMM      `toml:"dattormm"`
	Autotask      Autotask      `toml:"autotask"`
	M365          M365          `toml:"m365"`
	O365Audit     O365Audit     `toml:"o365audit"`
}

// HTTP holds the shared HTTP client's settings that every connector has.
type HTTP struct {
	// RequestsPerSecond is the sustained request rate to the vendor.
	RequestsPerSecond float64 `toml:"requests_per_second"`
	// MaxRetries is how many times a request is retried after 429, 5xx or a
	// connection error.
	MaxRetries int `toml:"max_retries"`
	// Timeout bounds one request, reading the body included.
	Timeout duration.Duration `toml:"timeout"`
	// MinRetryWait and MaxRetryWait bound the exponential backoff between retries
	// when the vendor sends no Retry-After.
	MinRetryWait duration.Duration `toml:"min_retry_wait"`
	MaxRetryWait duration.Duration `toml:"max_retry_wait"`
	// MaxPages bounds one paged read of one stream for one scope; a read that reaches
	// it fails that scope's pull, keeping what was committed.
	MaxPages int `toml:"max_pages"`
	// MaxBodyBytes bounds one response body; a longer one fails the request.
	MaxBodyBytes int64 `toml:"max_body_bytes"`
	// Limit is the vendor's documented request limit, which RequestsPerSecond is a
	// fraction of: a fact about the vendor that the defaults set, not a key of the
	// file. The client's burst is derived from it; zero means none is documented.
	Limit Limit `toml:"-"`
}

// Limit is a vendor's documented request limit: at most Requests within any
// Window, for the account or for each tenant, as the vendor counts.
type Limit struct {
	Requests int
	Window   time.Duration
}

// ITGlue configures the IT Glue connector.
type ITGlue struct {
	Enabled bool `toml:"enabled"`
	// BaseURL is the region's API host: https://api.itglue.com,
	// https://api.eu.itglue.com or https://api.au.itglue.com, or a gateway.
	BaseURL string `toml:"base_url"`
	// CAFile is a PEM file of further certificate authorities to trust for this
	// connector's API, besides the system's (a TLS-inspecting proxy, an on-premises
	// server's own CA, a test server).
	CAFile string `toml:"ca_file"`
	// APIKey is sent as x-api-key.
	APIKey secret.Ref `toml:"api_key"`
	// NetworkTypes are the configuration type names that count as network devices,
	// matched case-insensitively and resolved to ids on every run.
	NetworkTypes []string `toml:"network_types"`
	// OrganizationTypes limits which organizations are customers (e.g. "Customer");
	// empty means every organization but the MSP's own.
	OrganizationTypes []string `toml:"organization_types"`
	// IncludeArchived also reads archived configurations.
	IncludeArchived bool `toml:"include_archived"`
	// PageSize is page[size], 1 to 1000.
	PageSize int `toml:"page_size"`
	// Schedule overrides schedules.sync for this connector; unset uses it.
	Schedule Schedule `toml:"schedule"`
	HTTP
}

// ScreenConnect configures the ScreenConnect connector.
type ScreenConnect struct {
	Enabled bool `toml:"enabled"`
	// BaseURL is the instance's web address, e.g. https://acme.screenconnect.com.
	BaseURL string `toml:"base_url"`
	// CAFile is a PEM file of further certificate authorities to trust for this
	// connector's API, besides the system's (a TLS-inspecting proxy, an on-premises
	// server's own CA, a test server).
	CAFile string `toml:"ca_file"`
	// Username and Password are an internal ScreenConnect user without MFA, sent as
	// HTTP Basic to the Report.json handler; its role must see every session group.
	Username secret.Ref `toml:"username"`
	Password secret.Ref `toml:"password"`
	// SessionDB is a copy of an on-premises server's App_Data/Session.db; when set the
	// connector reads it (read-only) instead of calling BaseURL.
	SessionDB string `toml:"session_db"`
	// CompanyProperty is the custom property (1 to 8) that holds the customer's name.
	CompanyProperty int `toml:"company_property"`
	// SessionTypes lists the session types read: Support, Access, Meeting.
	SessionTypes []string `toml:"session_types"`
	// Lookback is how far back the first pull reads connections and events.
	Lookback duration.Duration `toml:"lookback"`
	// Overlap is how far before its cursor each pull starts again, so that records
	// written late are not missed; re-read records are not duplicated.
	Overlap duration.Duration `toml:"overlap"`
	// ItemLimit is the Report.json ItemLimit; a report that returns this many rows is
	// read again in halves.
	ItemLimit int `toml:"item_limit"`
	// Schedule overrides schedules.sync for this connector; unset uses it.
	Schedule Schedule `toml:"schedule"`
	HTTP
}

// DattoRMM configures the Datto RMM connector.
type DattoRMM struct {
	Enabled bool `toml:"enabled"`
	// Platform is the account's platform, e.g. merlot or concord; the API is
	// https://<platform>-api.centrastage.net.
	Platform string `toml:"platform"`
	// BaseURL overrides the address derived from Platform (a gateway, tests).
	BaseURL string `toml:"base_url"`
	// CAFile is a PEM file of further certificate authorities to trust for this
	// connector's API, besides the system's (a TLS-inspecting proxy, an on-premises
	// server's own CA, a test server).
	CAFile string `toml:"ca_file"`
	// APIKey and APISecret are the API user's keys.
	APIKey    secret.Ref `toml:"api_key"`
	APISecret secret.Ref `toml:"api_secret"`
	// PageSize is the page size of lists, 1 to 250.
	PageSize int `toml:"page_size"`
	// Lookback is how far back the first pull of the activity log reads (the
	// platform keeps 180 days).
	Lookback duration.Duration `toml:"lookback"`
	// Overlap is how far before its cursor each activity pull starts again.
	Overlap duration.Duration `toml:"overlap"`
	// DeviceAudit reads each device's audit for its serial number: one request per
	// device per pull.
	DeviceAudit bool `toml:"device_audit"`
	// Schedule overrides schedules.sync for this connector; unset uses it.
	Schedule Schedule `toml:"schedule"`
	HTTP
}

// Autotask configures the Autotask PSA connector: tickets and notes that carry a
// customer's permission become authorisations.
type Autotask struct {
	Enabled bool `toml:"enabled"`
	// BaseURL is the zone's REST root, e.g. https://webservices5.autotask.net/ATServicesRest;
	// empty discovers the zone from the user name.
	BaseURL string `toml:"base_url"`
	// ZoneURL is the zoneInformation address that discovery asks when BaseURL is
	// empty: any zone answers it (a gateway, tests).
	ZoneURL string `toml:"zone_url"`
	// CAFile is a PEM file of further certificate authorities to trust for this
	// connector's API, besides the system's (a TLS-inspecting proxy, an on-premises
	// server's own CA, a test server).
	CAFile string `toml:"ca_file"`
	// Username, Secret and IntegrationCode are an API-only user's credentials.
	Username        secret.Ref `toml:"username"`
	Secret          secret.Ref `toml:"secret"`
	IntegrationCode secret.Ref `toml:"integration_code"`
	// NoteTypes are ticket note type ids whose notes carry a permission.
	NoteTypes []int64 `toml:"note_types"`
	// Statuses are ticket status ids that mean the customer authorised the work.
	Statuses []int64 `toml:"statuses"`
	// Marker is text that, at the start of a line of a note or ticket description,
	// marks a permission, e.g. "Authorised by:"; the rest of the line names the contact.
	Marker string `toml:"marker"`
	// Scope is the scope of the authorisations the tickets grant.
	Scope string `toml:"scope"`
	// Grace is how long after the ticket completes its authorisation still holds.
	Grace duration.Duration `toml:"grace"`
	// ContactField names a contact user-defined field whose value "yes" (or "true", "1")
	// makes the contact an authorisation contact; empty means every active contact.
	ContactField string `toml:"contact_field"`
	// Lookback is how far back the first pull reads.
	Lookback duration.Duration `toml:"lookback"`
	// Overlap is how far before its cursor each pull starts again.
	Overlap duration.Duration `toml:"overlap"`
	// Schedule overrides schedules.sync for this connector; unset uses it.
	Schedule Schedule `toml:"schedule"`
	HTTP
}

// M365Auth is the Microsoft Entra app registration Custos signs in as: one
// multi-tenant app in the partner (MSP) tenant, consented in every customer tenant.
// The Graph (m365) and Management Activity API (o365audit) connectors share it.
type M365Auth struct {
	// PartnerTenantID is the MSP's own tenant id (a GUID): the app's home, where GDAP
	// relationships are read and partner technicians live.
	PartnerTenantID string `toml:"partner_tenant_id"`
	// ClientID is the app registration's application (client) id.
	ClientID string `toml:"client_id"`
	// ClientSecret is a client secret of the app; leave it unset to sign in with
	// CertificateFile instead.
	ClientSecret secret.Ref `toml:"client_secret"`
	// CertificateFile is a PEM or PFX file holding the app's certificate and its
	// private key, used instead of a client secret.
	CertificateFile string `toml:"certificate_file"`
	// CertificatePassword decrypts CertificateFile when it is protected.
	CertificatePassword secret.Ref `toml:"certificate_password"`
	// AuthorityHost is the Entra sign-in host: https://login.microsoftonline.com/ for
	// the public cloud, https://login.microsoftonline.us/ for US Government, or a
	// test server.
	AuthorityHost string `toml:"authority_host"`
	// CAFile is a PEM file of further certificate authorities to trust for the
	// sign-in host and Graph, besides the system's (a TLS-inspecting proxy, the demo).
	CAFile string `toml:"ca_file"`
}

// O365Audit configures the Office 365 Management Activity API connector. It signs in
// with the app registration of [connectors.m365] and reads the tenants that
// connector finds.
type O365Audit struct {
	Enabled bool `toml:"enabled"`
	// PublisherIdentifier is sent on every call so that Custos gets its own request
	// quota: the tenant id (a GUID) of whoever registered the app. Empty means the
	// partner tenant id of [connectors.m365].
	PublisherIdentifier string `toml:"publisher_identifier"`
	// ContentTypes are the audit content types read: Audit.AzureActiveDirectory,
	// Audit.Exchange, Audit.SharePoint, Audit.General.
	ContentTypes []string `toml:"content_types"`
	// Window is the length of one content listing, at most 24h (the API's limit).
	Window duration.Duration `toml:"window"`
	// Lookback is how far back the first pull reads, at most 7d: the API keeps
	// content for 7 days.
	Lookback duration.Duration `toml:"lookback"`
	// SettleDelay is how far before its cursor each pull lists content again,
	// because Microsoft publishes audit content late; re-read records are not
	// duplicated.
	SettleDelay duration.Duration `toml:"settle_delay"`
	// BaseURL is the API's root: https://manage.office.com, https://manage-gcc.office.com
	// (GCC), https://manage.office365.us (GCC High) or https://manage.protection.apps.mil
	// (DoD).
	BaseURL string `toml:"base_url"`
	// CAFile is a PEM file of further certificate authorities to trust for this
	// connector's API, besides the system's (a TLS-inspecting proxy, an on-premises
	// server's own CA, a test server).
	CAFile string `toml:"ca_file"`
	// Schedule overrides schedules.sync for this connector; unset uses it.
	Schedule Schedule `toml:"schedule"`
	HTTP
}

// M365 configures the Microsoft Graph connector: GDAP relationships (partner
// tenant), partner sign-ins and directory audits (each customer tenant) and the RMM
// report mailbox.
type M365 struct {
	Enabled bool `toml:"enabled"`
	M365Auth
	// GraphURL is Graph's root without a version: https://graph.microsoft.com,
	// https://graph.microsoft.us (US Government), or a test server.
	GraphURL string `toml:"graph_url"`
	// Tenants lists customer tenants by id with the customer's name; empty reads
	// them from the partner tenant's GDAP customers.
	Tenants map[string]string `toml:"tenants"`
	// PartnerDomains are the partner tenant's domains: a directory audit whose actor
	// signs in with one of them is a partner technician's action, besides those that
	// carry the partner tenant as home tenant.
	PartnerDomains []string `toml:"partner_domains"`
	// Mailbox is the user principal name of the mailbox (in the partner tenant) that
	// receives the monthly RMM reports; empty turns the report stream off.
	Mailbox string `toml:"mailbox"`
	// SubjectPrefix starts the subject of every report mail; the company name follows.
	SubjectPrefix string `toml:"subject_prefix"`
	// Lookback is how far back the first pull of sign-ins, audits and mail reads.
	Lookback duration.Duration `toml:"lookback"`
	// Overlap is how far before its cursor each pull starts again, because sign-ins
	// and audits are published late; re-read records are not duplicated.
	Overlap duration.Duration `toml:"overlap"`
	// Schedule overrides schedules.sync for this connector; unset uses it.
	Schedule Schedule `toml:"schedule"`
	// ReportsPerTenant is the request rate of Graph's identity reports (sign-ins,
	// directory audits) in each customer tenant, and ReportsAllTenants their rate
	// across all tenants; HTTP's RequestsPerSecond paces every other request.
	ReportsPerTenant  float64 `toml:"reports_requests_per_second_per_tenant"`
	ReportsAllTenants float64 `toml:"reports_requests_per_second"`
	// ReportsLimitPerTenant and ReportsLimitAllTenants are Graph's documented limits
	// that those rates are fractions of (set by the defaults, not keys of the file).
	ReportsLimitPerTenant  Limit `toml:"-"`
	ReportsLimitAllTenants Limit `toml:"-"`
	HTTP
}

// Technician is a technician of the MSP and the names the tools know them by.
type Technician struct {
	Name  string `toml:"name"`
	Email string `toml:"email"`
	// Aliases are other names tools record the technician under: a ScreenConnect
	// display name, a Datto RMM username, a Microsoft 365 user principal name.
	Aliases []string `toml:"aliases"`
}

// Customers configures how source organizations become customers.
type Customers struct {
	// CreateFrom lists the sources whose organizations create customers; other
	// sources only link to existing ones.
	CreateFrom []string `toml:"create_from"`
	// InactiveStatuses are source status names that mark a customer offboarded.
	InactiveStatuses []string `toml:"inactive_statuses"`
	// Domains maps a customer's name to its network and mail domains; an organization
	// whose name matches no customer is linked by the domain of its machines.
	Domains map[string][]string `toml:"domains"`
}
