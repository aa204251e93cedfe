package store

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/custos-msp/custos/record"
)

// Table describes one table: what it holds, how streams write it, which canonical
// ids mapping resolves on it, how long its rows are kept and how evidence names its
// rows. Upsert, link propagation, snapshot completion, retention and evidence
// references all read these descriptions rather than lists of their own; a new fact
// about tables (such as which columns hold personal data) is one more field here.
type Table struct {
	// Name is the table's name in the database and in evidence references.
	Name string
	// Model is a pointer to the gorm model of a row, e.g. &Configuration{}.
	Model any
	// Record is the record type (package record) that streams write into the table;
	// nil for a table that Custos fills itself.
	Record reflect.Type
	// Pull says what a snapshot pull does with rows it no longer lists.
	Pull Pull
	// Resolved lists the canonical ids that mapping copies onto the rows from links.
	Resolved []Resolved
	// Local lists further columns that Custos writes after a pull (reconcile's
	// decision, a revocation); pulling the row again keeps them, as it keeps the
	// Resolved ids.
	Local []string
	// Canonical is the link kind whose targets the table holds (customers,
	// technicians, devices), and MatchKey the column holding the normalised name that
	// automatic matching compares; both empty for other tables.
	Canonical, MatchKey string
	// Retention says when rows are deleted; when their personal values go before
	// them (the sealed vendor payload among them) the data inventory says.
	Retention Retention
	// Parent, for rows that belong to a row of another table (a configuration's
	// backups, a finding's history), names that table and ParentColumn the column holding its id.
	Parent, ParentColumn string

	// write upserts pages' records of the table's record type, as rows of t.
	write func(s *Store, tx *gorm.DB, t Table, recs []pageRecord) error
}

// Pull says how streams write a table.
type Pull int

// Pull modes.
const (
	// NotPulled tables are written by Custos itself.
	NotPulled Pull = iota
	// Snapshot tables are listed whole by each pull of a scope: rows the pull did not
	// see are marked removed when it completes.
	Snapshot
	// Incremental tables only grow: a pull brings new and changed rows, and a row it
	// does not bring is not gone.
	Incremental
	// WithParent tables are written with their parent row (see Table.Parent), which
	// lists all of them each time.
	WithParent
	// Quarantine tables hold what pulls could not decode: a row goes when a pull
	// decodes its record, or when a complete snapshot of its scope no longer meets it.
	Quarantine
)

// Resolved is a canonical id that mapping fills from links: Column (e.g.
// "customer_id") is set to the target of the link of Kind whose source id is the
// row's Ref column (e.g. "customer_ref"), from the row's source.
type Resolved struct {
	Column, Kind, Ref string
}

// Retention is the part of RetentionPolicy that decides when a table's rows go.
type Retention int

// Retention classes.
const (
	// KeptForever rows stay until a person removes them: canonical rows, links,
	// records made in Custos, audit trails.
	KeptForever Retention = iota
	// KeptWhileListed rows are deleted RemovedRecords after a snapshot found them removed.
	KeptWhileListed
	// KeptWithParent rows are deleted with their parent row.
	KeptWithParent
	// KeptAsEvents rows are deleted AccessEvents after they started, and their
	// personal data is blanked PersonalData after.
	KeptAsEvents
	// KeptAsCoverage rows are deleted Coverage after the pull started.
	KeptAsCoverage
	// KeptAsJobRuns rows are deleted JobRuns after a finished run started.
	KeptAsJobRuns
	// KeptUntilResolved rows are deleted ResolvedFindings after they were resolved.
	KeptUntilResolved
	// KeptAsDeliveries rows are deleted Deliveries after they were written.
	KeptAsDeliveries
	// KeptAsAuditTrail rows are deleted AuditTrail after the change they record.
	KeptAsAuditTrail
	// KeptUntilExpired rows (console sessions) are deleted once they expired.
	KeptUntilExpired
	// KeptAsTokens rows (API tokens) are deleted AuditTrail after they were revoked
	// or expired, so the audit trail's entries still name a token that existed.
	KeptAsTokens
)

// Ref writes the evidence reference to the table's row id, e.g. "configurations:12".
func (t Table) Ref(id uint) string { return t.Name + ":" + strconv.FormatUint(uint64(id), 10) }

// IDs returns the ids of the table's rows that a comma-separated evidence list names,
// in order; references to other tables are left out.
func (t Table) IDs(evidence string) []uint {
	var ids []uint
	for _, item := range strings.Split(evidence, ",") {
		if rest, ok := strings.CutPrefix(item, t.Name+":"); ok {
			if id, err := strconv.ParseUint(rest, 10, 64); err == nil {
				ids = append(ids, uint(id))
			}
		}
	}
	return ids
}

// upsertExcluded lists the columns a pull leaves as they are: the resolved ids and
// the local columns.
func (t Table) upsertExcluded() []string {
	cols := slices.Clone(t.Local)
	for _, r := range t.Resolved {
		if !slices.Contains(cols, r.Column) {
			cols = append(cols, r.Column)
		}
	}
	return cols
}

// Resolved ids shared by many tables.
var (
	customerFromRef = Resolved{"customer_id", LinkCustomer, "customer_ref"}
	deviceFromID    = Resolved{"device_id", LinkDevice, "source_id"}
	deviceFromRef   = Resolved{"device_id", LinkDevice, "device_ref"}
)

// tables describes every table, in the order pages are written.
var tables = []Table{
	{Name: "customers", Model: &Customer{}, Canonical: LinkCustomer, MatchKey: "key"},
	{Name: "technicians", Model: &Technician{}, Canonical: LinkTechnician, MatchKey: "key"},
	{Name: "devices", Model: &Device{}, Canonical: LinkDevice, MatchKey: "host_key"},
	{Name: "links", Model: &Link{}},
	{
		Name: "organizations", Model: &Organization{}, Record: recordType[*record.Organization](), Pull: Snapshot,
		Resolved:  []Resolved{{"customer_id", LinkCustomer, "source_id"}},
		Retention: KeptWhileListed,
		write:     pulledRows(organizationRow),
	},
	{
		Name: "configurations", Model: &Configuration{}, Record: recordType[*record.Configuration](), Pull: Snapshot,
		Resolved:  []Resolved{customerFromRef, deviceFromID},
		Retention: KeptWhileListed,
		write:     (*Store).upsertConfigurations,
	},
	{
		Name: "config_backups", Model: &ConfigBackup{}, Pull: WithParent,
		Retention: KeptWithParent, Parent: "configurations", ParentColumn: "configuration_id",
	},
	{
		Name: "access_events", Model: &AccessEvent{}, Record: recordType[*record.AccessEvent](), Pull: Incremental,
		Resolved:  []Resolved{customerFromRef, {"technician_id", LinkTechnician, "actor_ref"}, deviceFromRef},
		Local:     []string{"covered_by", "backup_id", "decision", "authorised_late_by", "late_backup_id"},
		Retention: KeptAsEvents,
		write:     pulledRows(accessEventRow),
	},
	{
		Name: "endpoints", Model: &Endpoint{}, Record: recordType[*record.Endpoint](), Pull: Snapshot,
		Resolved:  []Resolved{customerFromRef, deviceFromID},
		Retention: KeptWhileListed,
		write:     pulledRows(endpointRow),
	},
	{
		Name: "agents", Model: &Agent{}, Record: recordType[*record.Agent](), Pull: Snapshot,
		Resolved:  []Resolved{customerFromRef, deviceFromRef},
		Retention: KeptWhileListed,
		write:     pulledRows(agentRow),
	},
	{
		Name: "user_accounts", Model: &UserAccount{}, Record: recordType[*record.UserAccount](), Pull: Snapshot,
		Resolved:  []Resolved{{"technician_id", LinkTechnician, "source_id"}},
		Retention: KeptWhileListed,
		write:     pulledRows(userAccountRow),
	},
	{
		Name: "authorisations", Model: &Authorisation{}, Record: recordType[*record.Authorisation](), Pull: Incremental,
		Resolved: []Resolved{customerFromRef, {"technician_id", LinkTechnician, "technician_ref"}, deviceFromRef},
		Local:    []string{"revoked_at", "revoked_by", "revoke_reason"},
		write:    pulledRows(authorisationRow),
	},
	{
		Name: "contacts", Model: &Contact{}, Record: recordType[*record.Contact](), Pull: Snapshot,
		Resolved: []Resolved{customerFromRef},
		write:    pulledRows(contactRow),
	},
	{Name: "verified_backups", Model: &VerifiedBackup{}},
	{Name: "findings", Model: &Finding{}, Retention: KeptUntilResolved},
	{Name: "finding_events", Model: &FindingEvent{}, Retention: KeptWithParent, Parent: "findings", ParentColumn: "finding_id"},
	{Name: "exclusions", Model: &Exclusion{}},
	{Name: "checkpoints", Model: &Checkpoint{}},
	{Name: "coverages", Model: &Coverage{}, Retention: KeptAsCoverage},
	{Name: "job_runs", Model: &JobRun{}, Retention: KeptAsJobRuns},
	{Name: "job_leases", Model: &JobLease{}},
	{Name: "report_archives", Model: &ReportArchive{}},
	{
		Name: "relationships", Model: &Relationship{}, Record: recordType[*record.Relationship](), Pull: Snapshot,
		Resolved: []Resolved{customerFromRef},
		write:    pulledRows(relationshipRow),
	},
	{
		Name: "report_receipts", Model: &ReportReceipt{}, Record: recordType[*record.ReportReceipt](), Pull: Incremental,
		Resolved: []Resolved{customerFromRef},
		write:    pulledRows(reportReceiptRow),
	},
	{Name: "outbox_entries", Model: &OutboxEntry{}},
	{Name: "deliveries", Model: &Delivery{}, Retention: KeptAsDeliveries},
	{Name: "notify_logs", Model: &NotifyLog{}, Retention: KeptAsDeliveries},
	{Name: "notify_groups", Model: &NotifyGroup{}, Retention: KeptAsDeliveries},
	{Name: "notify_receivers", Model: &NotifyReceiver{}},
	{
		Name: "quarantined_records", Model: &QuarantinedRecord{}, Record: recordType[*record.Quarantined](), Pull: Quarantine,
		write: (*Store).upsertQuarantined,
	},
	{Name: "erasures", Model: &Erasure{}},
	{Name: "evidence_manifests", Model: &EvidenceManifest{}},
	{Name: "reconcile_changes", Model: &ReconcileChange{}},
	{Name: "reconcile_states", Model: &ReconcileState{}},
	{Name: "audit_entries", Model: &AuditEntry{}, Retention: KeptAsAuditTrail},
	{Name: "console_sessions", Model: &ConsoleSession{}, Retention: KeptUntilExpired},
	{Name: "api_tokens", Model: &APIToken{}, Retention: KeptAsTokens},
}

func recordType[R record.Record]() reflect.Type { return reflect.TypeFor[R]() }

// TableOf returns the description of model M's table, e.g. TableOf[Configuration]().
// It panics for a type that is no model, which is a mistake in the program.
func TableOf[M any]() Table {
	t, ok := tableByModel[reflect.TypeFor[M]()]
	if !ok {
		panic(fmt.Sprintf("store: %v is not a model of a table", reflect.TypeFor[M]()))
	}
	return t
}

// Ref writes the evidence reference to row id of model M's table, e.g.
// Ref[Configuration](12) is "configurations:12".
func Ref[M any](id uint) string { return TableOf[M]().Ref(id) }

var (
	tableByModel  = indexTables(func(t Table) reflect.Type { return reflect.TypeOf(t.Model).Elem() })
	tableByRecord = indexTables(func(t Table) reflect.Type { return t.Record })
)

// indexTables maps each table's key to the table, leaving out tables without one.
func indexTables(key func(Table) reflect.Type) map[reflect.Type]Table {
	m := map[reflect.Type]Table{}
	for _, t := range tables {
		if k := key(t); k != nil {
			m[k] = t
		}
	}
	return m
}

// tablesWhere returns the tables that keep says, in order.
func tablesWhere(keep func(Table) bool) []Table {
	var out []Table
	for _, t := range tables {
		if keep(t) {
			out = append(out, t)
		}
	}
	return out
}

// canonicalTable returns the table holding the targets of links of kind.
func canonicalTable(kind string) (Table, error) {
	for _, t := range tables {
		if t.Canonical != "" && t.Canonical == kind {
			return t, nil
		}
	}
	return Table{}, fmt.Errorf("store: %q is not a link kind (customer, technician or device)", kind)
}
