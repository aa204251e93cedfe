package store

import (
	"time"

	"github.com/custos-msp/custos/vocab"
)

// Customer is the canonical customer that every source's records are mapped onto.
type Customer struct {
	ID   uint   `gorm:"primaryKey"`
	Name string `gorm:"not null"`
	// Key is the normalised name; two sources' spellings of one name share it.
	Key string `gorm:"uniqueIndex;not null"`
	// Status is active or offboarded, since StatusSince.
	Status      string `gorm:"not null;default:active"`
	StatusSince *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Customer statuses.
const (
	CustomerActive     = "active"
	CustomerOffboarded = "offboarded"
)

// Link ties a source's id for a customer, technician or device to the canonical row.
type Link struct {
	ID       uint   `gorm:"primaryKey"`
	Source   string `gorm:"not null;uniqueIndex:idx_link_identity"`
	Kind     string `gorm:"not null;uniqueIndex:idx_link_identity"`
	SourceID string `gorm:"not null;uniqueIndex:idx_link_identity"`
	TargetID uint   `gorm:"not null;index"`
	// Method says how the link was made: auto:created, auto:name or manual.
	Method    string `gorm:"not null"`
	CreatedAt time.Time
}

// Link kinds.
const (
	LinkCustomer   = "customer"
	LinkTechnician = "technician"
	LinkDevice     = "device"
)

// Technician is the canonical technician that every tool's name for them is mapped onto.
type Technician struct {
	ID   uint   `gorm:"primaryKey"`
	Name string `gorm:"not null;serializer:personal"`
	// Key is the normalised name.
	Key   string `gorm:"uniqueIndex;not null;serializer:personref"`
	Email string `gorm:"index;serializer:personref"`
	// Aliases are further names from the configuration, "|"-separated.
	Aliases   string `gorm:"serializer:personal"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Device is the canonical machine that the same machine seen in several tools (an IT
// Glue configuration, a Datto RMM device, a ScreenConnect guest) is mapped onto.
type Device struct {
	ID         uint  `gorm:"primaryKey"`
	CustomerID *uint `gorm:"index"`
	Name       string
	// HostKey is the normalised host name, Serial the normalised serial number;
	// either may be empty, not both.
	HostKey   string `gorm:"index"`
	Serial    string `gorm:"index"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Pulled holds what every row written by a stream carries: its identity at the source,
// which pull wrote it, when it was last seen and whether a complete snapshot has since
// missed it.
type Pulled struct {
	Source   string `gorm:"not null;uniqueIndex:,composite:identity;index:,composite:pull"`
	SourceID string `gorm:"not null;uniqueIndex:,composite:identity"`
	Stream   string `gorm:"not null;index:,composite:pull"`
	Scope    string `gorm:"not null;index:,composite:pull"`
	SeenAt   time.Time
	// RemovedAt is set when a complete snapshot of the scope no longer listed the row.
	RemovedAt *time.Time
	// Raw is the vendor payload, sealed; empty unless raw payloads are kept.
	Raw string
}

// ContentDigest is the part of an incremental table's row that says what the pull
// brought: a pull that brings a row again with the same content writes nothing, so
// that its sealed values keep their nonces and the change journal sees no change.
type ContentDigest struct {
	// Digest is a keyed digest of the record as pulled (deterministically sealed
	// SHA-256 of its fields and payload); "" for rows Custos wrote itself.
	Digest string
}

// Organization is a customer as one source knows it (record.Organization).
type Organization struct {
	ID uint `gorm:"primaryKey"`
	Pulled
	Name            string
	ShortName       string
	Type            string
	Status          string
	SourceUpdatedAt time.Time
	CustomerID      *uint `gorm:"index"`
}

// Configuration is a device as a documentation tool knows it (record.Configuration).
type Configuration struct {
	ID uint `gorm:"primaryKey"`
	Pulled
	CustomerRef     string `gorm:"index"`
	CustomerID      *uint  `gorm:"index"`
	Name            string
	Hostname        string
	Serial          string
	TypeName        string
	InstalledAt     *time.Time
	Archived        bool
	SourceCreatedAt time.Time
	SourceUpdatedAt time.Time
	DeviceID        *uint          `gorm:"index"`
	Backups         []ConfigBackup `gorm:"constraint:OnDelete:CASCADE"`
}

// AccessEvent is one access to a customer's system (record.AccessEvent).
type AccessEvent struct {
	ID uint `gorm:"primaryKey"`
	Pulled
	ContentDigest
	Kind        string    `gorm:"not null"`
	Action      string    `gorm:"not null"`
	StartedAt   time.Time `gorm:"not null;index:idx_access_customer_time,priority:2"`
	EndedAt     *time.Time
	CustomerRef string `gorm:"index"`
	ActorRef    string `gorm:"index;serializer:personref"`
	ActorName   string `gorm:"serializer:personal"`
	DeviceRef   string `gorm:"index"`
	DeviceName  string
	Removal     bool
	// SourceIP is personal data; retention anonymises it.
	SourceIP string `gorm:"serializer:personal"`
	Detail   string `gorm:"serializer:personal"`
	// Attributes is a JSON object of further source facts.
	Attributes   string `gorm:"serializer:personal"`
	CustomerID   *uint  `gorm:"index:idx_access_customer_time,priority:1"`
	TechnicianID *uint  `gorm:"index"`
	DeviceID     *uint  `gorm:"index"`
	// CoveredBy is the authorisation that covers the access, as reconcile last
	// decided; BackupID, for a removal no authorisation covers, the verified backup
	// that preceded it; Decision says why, or why no candidate covered it.
	CoveredBy *uint
	BackupID  *uint
	Decision  string `gorm:"serializer:personal"`
	// AuthorisedLateBy, for an access nothing covered in advance, is the
	// authorisation that would have covered it but was recorded after it began: the
	// access was authorised afterwards. LateBackupID is the same for a removal and a
	// verified backup recorded after it began.
	AuthorisedLateBy *uint
	LateBackupID     *uint
}

// Endpoint is a machine as a remote-access or RMM tool knows it (record.Endpoint).
type Endpoint struct {
	ID uint `gorm:"primaryKey"`
	Pulled
	CustomerRef string `gorm:"index"`
	Hostname    string
	Domain      string
	Serial      string
	OS          string
	TypeName    string
	LastSeenAt  *time.Time
	CustomerID  *uint `gorm:"index"`
	DeviceID    *uint `gorm:"index"`
}

// Agent is a remote-access agent on a customer machine (record.Agent).
type Agent struct {
	ID uint `gorm:"primaryKey"`
	Pulled
	Type           string `gorm:"not null"`
	CustomerRef    string `gorm:"index"`
	DeviceRef      string `gorm:"index"`
	Hostname       string
	InstalledAt    time.Time
	SessionEndedAt *time.Time
	LastCheckInAt  *time.Time
	Ended          bool
	UninstalledAt  *time.Time
	CustomerID     *uint `gorm:"index"`
	DeviceID       *uint `gorm:"index"`
}

// Authorisation is a customer's permission for access (record.Authorisation).
// Authorisations recorded in Custos itself (the command line, a CSV import) carry
// their canonical ids directly; pulled ones get them from links.
type Authorisation struct {
	ID uint `gorm:"primaryKey"`
	Pulled
	ContentDigest
	CustomerRef   string
	TechnicianRef string `gorm:"serializer:personref"`
	DeviceRef     string
	// AccessScope is what the authorisation allows (record.Scopes); the embedded
	// Pulled.Scope is the pull it came from.
	AccessScope  string    `gorm:"not null"`
	ValidFrom    time.Time `gorm:"not null"`
	ValidTo      *time.Time
	GrantedBy    string `gorm:"serializer:personal"`
	GrantedByRef string `gorm:"serializer:personref"`
	Evidence     string `gorm:"serializer:personal"`
	RecordedBy   string `gorm:"serializer:personal"`
	RecordedAt   time.Time
	// RevokedAt, RevokedBy and RevokeReason record a revocation; the authorisation
	// still covers what happened before RevokedAt.
	RevokedAt    *time.Time
	RevokedBy    string `gorm:"serializer:personal"`
	RevokeReason string `gorm:"serializer:personal"`
	CustomerID   *uint  `gorm:"index"`
	TechnicianID *uint
	DeviceID     *uint
}

// VerifiedBackup is a backup that a technician restored or otherwise checked, as
// recorded in Custos: a removal on the customer's systems after it, within the
// configured age, needs no removal authorisation. DeviceID nil means a backup of the
// customer's data not tied to one device (a Microsoft 365 tenant, a file share).
type VerifiedBackup struct {
	ID         uint  `gorm:"primaryKey"`
	CustomerID *uint `gorm:"index;not null"`
	DeviceID   *uint
	// What names what was backed up, e.g. "mailbox of j.doe".
	What       string    `gorm:"not null;serializer:personal"`
	TakenAt    time.Time `gorm:"not null"`
	VerifiedAt time.Time `gorm:"not null"`
	VerifiedBy string    `gorm:"not null;serializer:personal"`
	// Evidence is where the verification is written: a backup job id, a ticket.
	Evidence   string `gorm:"not null;serializer:personal"`
	RecordedBy string
	RecordedAt time.Time
	// WithdrawnAt, WithdrawnBy and WithdrawReason record that the backup turned out
	// not to be usable; the row is kept, and it covers nothing any more.
	WithdrawnAt    *time.Time
	WithdrawnBy    string
	WithdrawReason string
}

// Contact is a person at a customer (record.Contact).
type Contact struct {
	ID uint `gorm:"primaryKey"`
	Pulled
	CustomerRef string
	Name        string `gorm:"serializer:personal"`
	Email       string `gorm:"serializer:personal"`
	Authorised  bool
	Active      bool
	CustomerID  *uint `gorm:"index"`
}

// UserAccount is a technician's account in one tool (record.UserAccount).
type UserAccount struct {
	ID uint `gorm:"primaryKey"`
	Pulled
	Name         string `gorm:"serializer:personal"`
	Email        string `gorm:"serializer:personal"`
	Disabled     bool
	TechnicianID *uint `gorm:"index"`
}

// ConfigBackup is a configuration backup attached to a Configuration.
type ConfigBackup struct {
	ID              uint   `gorm:"primaryKey"`
	Source          string `gorm:"not null;uniqueIndex:idx_backup_identity"`
	SourceID        string `gorm:"not null;uniqueIndex:idx_backup_identity"`
	ConfigurationID uint   `gorm:"not null;index"`
	FileName        string
	Name            string
	ContentType     string
	Size            int64
	SourceCreatedAt time.Time
	SourceUpdatedAt time.Time
	Raw             string
}

// Finding is something a rule flagged. Its fingerprint is stable across runs, so a
// re-run updates it rather than duplicating it.
type Finding struct {
	ID          uint   `gorm:"primaryKey"`
	Rule        string `gorm:"not null;index"`
	Fingerprint string `gorm:"not null;uniqueIndex"`
	// Subject names what the finding is about, e.g. "itglue:configuration:123".
	Subject    string         `gorm:"not null;serializer:personal"`
	CustomerID *uint          `gorm:"index;index:idx_findings_customer_day,priority:1"`
	Severity   vocab.Severity `gorm:"not null"`
	Summary    string         `gorm:"not null;serializer:personal"`
	// Evidence lists the records behind the finding, as "table:id", comma-separated.
	Evidence string
	// TechnicianID and DeviceID, when the finding is about one, let exclusions match it.
	TechnicianID *uint
	DeviceID     *uint
	FirstSeen    time.Time
	LastSeen     time.Time
	// Status is open, acknowledged, resolved or suppressed.
	Status       string `gorm:"not null;index"`
	StatusBy     string
	StatusReason string
	ResolvedAt   *time.Time
	// Assignee is who a person gave the finding to; empty when nobody has it.
	Assignee string
	// Day is the UTC day ("2006-01-02") a finding one per day (an access finding)
	// is about; empty for a finding about no one day.
	Day string `gorm:"not null;default:'';index:idx_findings_customer_day,priority:2"`
}

// FindingEvent is one entry of a finding's history: who (a person, or "custos" for the
// lifecycle) did what to it, when, and why. It is deleted with its finding.
type FindingEvent struct {
	ID        uint      `gorm:"primaryKey"`
	FindingID uint      `gorm:"not null;index"`
	At        time.Time `gorm:"not null"`
	Actor     string    `gorm:"not null"`
	// Action is what happened, e.g. acknowledged or resolved (package findings names them).
	Action string `gorm:"not null"`
	// Note is the person's reason or comment, or the lifecycle's reason.
	Note string `gorm:"serializer:personal"`
	// Assignee is who an assignment gave the finding to.
	Assignee string
	// Fingerprint names the finding of an entry recorded with a new finding, whose id
	// is not known yet; it is not stored.
	Fingerprint string `gorm:"-"`
}

// Finding statuses.
const (
	StatusOpen         = "open"
	StatusAcknowledged = "acknowledged"
	StatusResolved     = "resolved"
	StatusSuppressed   = "suppressed"
)

// StatusBySystem is who a finding's status is by when Custos, not a person, set it.
const StatusBySystem = "custos"

// Exclusion suppresses the findings it matches until it expires: a scope (customer,
// rule, technician, device; empty = any), a required reason and an owner.
type Exclusion struct {
	ID           uint `gorm:"primaryKey"`
	CustomerID   *uint
	Rule         string
	TechnicianID *uint
	DeviceID     *uint
	Reason       string    `gorm:"not null"`
	Owner        string    `gorm:"not null"`
	ExpiresAt    time.Time `gorm:"not null"`
	CreatedBy    string
	CreatedAt    time.Time
	// RemovedAt ends it early, by RemovedBy; the row stays as the audit trail.
	RemovedAt *time.Time
	RemovedBy string
}

// Checkpoint is where a stream resumes for a scope.
type Checkpoint struct {
	Connector string `gorm:"primaryKey"`
	Stream    string `gorm:"primaryKey"`
	Scope     string `gorm:"primaryKey"`
	Cursor    string
	// PullStartedAt is when the snapshot pull that Cursor is part of began; the
	// resumed pull keeps it, so the final sweep knows what this pull has seen.
	PullStartedAt *time.Time
	UpdatedAt     time.Time
}

// Coverage is the record of one pull of one stream for one scope: the window it read,
// how it ended and what it brought. "No findings" is judged against it.
type Coverage struct {
	ID          uint      `gorm:"primaryKey"`
	Connector   string    `gorm:"not null;index:idx_coverage_stream"`
	Stream      string    `gorm:"not null;index:idx_coverage_stream"`
	Scope       string    `gorm:"not null;index:idx_coverage_stream"`
	StartedAt   time.Time `gorm:"not null;index"`
	FinishedAt  time.Time
	WindowStart *time.Time
	WindowEnd   *time.Time
	// Outcome is one of vocab.Outcome.
	Outcome  vocab.Outcome `gorm:"not null"`
	Records  int
	Pages    int
	Removed  int
	Warnings int
	Error    string
}

// QuarantinedRecord is a record a pull could not decode (record.Quarantined): kept
// as data, so that a bad payload is seen rather than skipped. Its identity within a
// stream's scope is ItemKey: the source id when the payload names one, otherwise a
// digest of the payload's excerpt and the error. A pull that decodes the record
// deletes the row; a complete snapshot deletes the rows it no longer met.
type QuarantinedRecord struct {
	ID     uint   `gorm:"primaryKey"`
	Source string `gorm:"not null;uniqueIndex:idx_quarantined_records_identity,priority:1"`
	Stream string `gorm:"not null;uniqueIndex:idx_quarantined_records_identity,priority:2"`
	Scope  string `gorm:"not null;uniqueIndex:idx_quarantined_records_identity,priority:3"`
	// ItemKey is SourceID, or "digest:<hex>" when SourceID is empty.
	ItemKey  string `gorm:"not null;uniqueIndex:idx_quarantined_records_identity,priority:4"`
	SourceID string
	// Kind is the record.Quarantined… kind the payload would have been.
	Kind string
	// Page says where the payload came from (a path and a page number).
	Page  string
	Error string
	// Raw is the payload's excerpt (record.QuarantineExcerpt bytes at most), sealed.
	Raw         string
	FirstSeenAt time.Time
	SeenAt      time.Time `gorm:"not null"`
}

// JobRun is the history of one run of a job.
type JobRun struct {
	ID         uint      `gorm:"primaryKey"`
	Job        string    `gorm:"not null;index"`
	Scope      string    `gorm:"not null"`
	StartedAt  time.Time `gorm:"not null;index"`
	FinishedAt *time.Time
	// Outcome is one of the JobRun outcomes.
	Outcome string `gorm:"not null"`
	// Counts is a JSON object of what the run did, e.g. {"records":120}.
	Counts string
	Error  string
	// LeaseExpiresAt is when a running run is taken as abandoned unless the process
	// running it renews it first.
	LeaseExpiresAt *time.Time
}

// JobRun outcomes.
const (
	JobRunning = "running"
	JobOK      = "ok"
	JobFailed  = "failed"
	JobSkipped = "skipped"
	// JobAbandoned is a run whose lease expired while it was running: the process
	// running it stopped (killed, crashed, lost its machine) before it finished.
	JobAbandoned = "abandoned"
)

// models lists every table, in creation order.
func models() []any {
	return []any{
		&Customer{}, &Technician{}, &Device{}, &Link{}, &Organization{}, &Configuration{}, &ConfigBackup{},
		&AccessEvent{}, &Endpoint{}, &Agent{}, &UserAccount{}, &Authorisation{}, &Contact{}, &VerifiedBackup{},
		&Finding{}, &FindingEvent{}, &Exclusion{}, &Checkpoint{}, &Coverage{}, &JobRun{}, &JobLease{},
		&ReportArchive{},
		&Relationship{}, &ReportReceipt{},
		&OutboxEntry{}, &Delivery{}, &NotifyLog{}, &NotifyGroup{}, &NotifyReceiver{},
		&QuarantinedRecord{}, &Erasure{}, &EvidenceManifest{},
		&ReconcileChange{}, &ReconcileState{},
		&AuditEntry{}, &ConsoleSession{}, &APIToken{},
	}
}

// Erasure records one subject erasure (Store.EraseSubject): when, the pseudonym that
// now stands for the person, who asked and why, and how many rows of each table
// changed. It holds nothing of the person erased.
type Erasure struct {
	ID        uint      `gorm:"primaryKey"`
	ErasedAt  time.Time `gorm:"not null"`
	Pseudonym string    `gorm:"not null"`
	// RequestedBy and Reason are sealed: they name the requester.
	RequestedBy string `gorm:"not null;serializer:personal"`
	Reason      string `gorm:"not null;serializer:personal"`
	// Counts is a JSON object of rows changed (or deleted) per table.
	Counts string `gorm:"not null"`
}

// EvidenceManifest is one evidence bundle made: whose month it is, the SHA-256 of its
// signed manifest (which the next month's manifest names) and where it was written.
type EvidenceManifest struct {
	ID         uint      `gorm:"primaryKey"`
	CustomerID uint      `gorm:"not null;index:idx_evidence_manifests_customer_month,priority:1"`
	Month      string    `gorm:"not null;index:idx_evidence_manifests_customer_month,priority:2"`
	SHA256     string    `gorm:"column:sha256;not null"`
	Path       string    `gorm:"not null"`
	CreatedAt  time.Time `gorm:"not null"`
}

// ReconcileChange marks a customer whose reconcile inputs changed since a run last
// claimed the marks: the database's triggers write it in the same transaction as the
// change (store/migrations, 00009 and 00010). CustomerID 0 stands for every
// customer. Kind and Day say what changed: the whole customer (ChangeWhole, no
// day), or on Day an access event (ChangeEvent), an authorisation (ChangeGrant) or
// a verified backup (ChangeBackup).
type ReconcileChange struct {
	ID         uint   `gorm:"primaryKey"`
	CustomerID uint   `gorm:"not null;index:idx_reconcile_changes_mark,priority:1"`
	Claimed    bool   `gorm:"not null;default:false;index:idx_reconcile_changes_mark,priority:2"`
	Kind       string `gorm:"not null;default:w;index:idx_reconcile_changes_mark,priority:3"`
	Day        string `gorm:"not null;default:'';index:idx_reconcile_changes_mark,priority:4"`
}

// ReconcileState is what the last completed reconcile run left for the next: the
// fingerprint of the access rules' settings it ran with, its time and the time of
// the last run that checked every customer.
type ReconcileState struct {
	ID       uint      `gorm:"primaryKey"`
	Settings string    `gorm:"not null"`
	RunAt    time.Time `gorm:"not null"`
	FullAt   time.Time `gorm:"not null"`
}

// AuditEntry is one change made through the console or the API, as the audit trail
// keeps it: who (their subject, name and role, and how they proved it), from which
// address, what they did to what, and how it ended. The values that name a person
// or where they were are sealed.
type AuditEntry struct {
	ID      uint      `gorm:"primaryKey"`
	At      time.Time `gorm:"not null;index"`
	Subject string    `gorm:"not null;serializer:personal"`
	Name    string    `gorm:"not null;serializer:personal"`
	Role    string    `gorm:"not null"`
	Via     string    `gorm:"not null"`
	// FromAddress is the client's address ("from" is a word of SQL).
	FromAddress string `gorm:"not null;serializer:personal"`
	Action      string `gorm:"not null;index"`
	Target      string `gorm:"not null"`
	Detail      string `gorm:"not null;serializer:personal"`
	// Outcome is empty when the change was made, else why it was refused or failed;
	// sealed, because a refusal's reason may name a person.
	Outcome string `gorm:"not null;serializer:personal"`
}

// ConsoleSession is a signed-in browser (or a one-time local sign-in link not yet
// followed). Its id is the SHA-256 of the random cookie value, never the value, so
// the table's rows cannot be replayed as cookies.
type ConsoleSession struct {
	ID      string `gorm:"primaryKey"`
	Subject string `gorm:"not null;serializer:personal"`
	Name    string `gorm:"not null;serializer:personal"`
	Role    string `gorm:"not null"`
	Via     string `gorm:"not null"`
	// CSRF is the token forms of the session send back.
	CSRF string `gorm:"column:csrf;not null"`
	// Link marks a one-time sign-in link not yet followed: it signs nobody in until
	// ClaimSessionLink swaps it for a session.
	Link       bool      `gorm:"not null"`
	CreatedAt  time.Time `gorm:"not null"`
	ExpiresAt  time.Time `gorm:"not null;index"`
	LastSeenAt time.Time `gorm:"not null"`
}

// APIToken is a bearer token of the API. Only the SHA-256 of the token is kept; the
// token itself is shown once, when it is made.
type APIToken struct {
	ID   uint   `gorm:"primaryKey"`
	Name string `gorm:"not null"`
	Role string `gorm:"not null"`
	Hash string `gorm:"not null;uniqueIndex"`
	// CreatedBy, RevokedBy and RevokeReason name people and are sealed.
	CreatedBy    string    `gorm:"not null;serializer:personal"`
	CreatedAt    time.Time `gorm:"not null"`
	ExpiresAt    time.Time `gorm:"not null"`
	RevokedAt    *time.Time
	RevokedBy    string `gorm:"not null;serializer:personal"`
	RevokeReason string `gorm:"not null;serializer:personal"`
	LastUsedAt   *time.Time
}
