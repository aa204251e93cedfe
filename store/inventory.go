package store

import (
	"fmt"
	"slices"
	"strings"
	stdsync "sync"
	"time"

	"gorm.io/gorm/schema"
)

// Category is a kind of personal data Custos holds.
type Category string

// The categories of personal data.
const (
	// Technicians are the MSP's staff: names, sign-in names (UPNs), e-mail addresses.
	Technicians Category = "technician"
	// CustomerUsers are people at a customer whom audit records name: the mailbox
	// opened, the account deleted.
	CustomerUsers Category = "customer user"
	// Contacts are a customer's authorisation contacts and the people who granted
	// an authorisation.
	Contacts Category = "contact"
	// NetworkAddresses are IP addresses a sign-in or session came from.
	NetworkAddresses Category = "network address"
	// CustosUsers are the people who record, revoke, triage and exclude in Custos.
	CustosUsers Category = "custos user"
)

// Personal says that a column can hold personal data: of which categories, why
// Custos keeps it, whether it is sealed (encrypted) at rest, and when its value goes.
type Personal struct {
	Column     string
	Categories []Category
	Why        string
	Sealed     bool
	// Reference says that the column is sealed deterministically (equal values seal
	// equal), because SQL compares or joins it; Sealed is then true too.
	Reference bool
	// Only, when set, is the SQL condition on the row for the column to hold
	// personal data (a link's source id names a person only for a technician).
	Only string
	// BoundToColumn says that the value is sealed with "table.column" as its
	// associated data by the code that writes it (raw payloads, alert bodies);
	// other sealed columns are sealed by the models' personal serializers.
	BoundToColumn bool
	// Expires says when the value goes before its row does; ExpiresWithRow when it
	// stays as long as the row.
	Expires Expiry
}

// Expiry says when a personal value is removed.
type Expiry int

// Expiries of personal values.
const (
	// ExpiresWithRow values go when the table's retention deletes their row.
	ExpiresWithRow Expiry = iota
	// ExpiresAsPersonalData values are blanked RetentionPolicy.PersonalData after
	// the access.
	ExpiresAsPersonalData
	// ExpiresAsRaw values are cleared RetentionPolicy.RawPayloads after the row was
	// last seen.
	ExpiresAsRaw
	// ExpiresOnDelivery values are deleted once the alert is delivered or given up.
	ExpiresOnDelivery
	// ExpiresToTechnicianPseudonym values (a reference to the technician who acted)
	// are replaced RetentionPolicy.PersonalData after the access by the technician's
	// pseudonym (TechnicianPseudonym), when the row is linked to a known technician,
	// so that the past months still count per technician. An actor no technician
	// matched keeps its sealed reference until the row goes: it is the evidence of
	// the finding about an unknown actor.
	ExpiresToTechnicianPseudonym
)

// Inventory classifies every column of one table: the columns that can hold
// personal data, and the others (Plain), so that a new column is a decision and
// not an accident. Ids, times and the pull's own columns are plain by their names
// (see plainByName) and need no listing.
type Inventory struct {
	// About says whose data the table holds, in a few words.
	About    string
	Personal []Personal
	Plain    []string
}

// Reasons shared by several columns.
const (
	whyRaw         = "the vendor's record as it came, kept to explain a finding; cleared after raw_payloads"
	whyActor       = "to say which technician did what (the policy is about who accessed what)"
	whyTarget      = "to say on whom an access acted (a mailbox opened, an account deleted)"
	whyWho         = "to say who recorded, changed or ended a Custos record (accountability)"
	whyFreeText    = "free text a person or a vendor wrote; may name anyone"
	whyTechnician  = "to map every tool's name for a technician onto one person"
	whyContact     = "to check that an authorisation was granted by one of the customer's authorisation contacts"
	whyConsoleUser = "to say who is signed in to the console and who made a change (the Entra object id or token, and the sign-in name)"
)

// kept is a personal column stored as it is, sealed one stored sealed; both stay
// as long as their row unless expiring says otherwise.
func kept(column, why string, categories ...Category) Personal {
	return Personal{Column: column, Categories: categories, Why: why}
}

func sealed(column, why string, categories ...Category) Personal {
	return Personal{Column: column, Categories: categories, Why: why, Sealed: true}
}

// payload is a column the code that writes it seals, bound to "table.column".
func payload(column, why string, categories ...Category) Personal {
	return Personal{Column: column, Categories: categories, Why: why, Sealed: true, BoundToColumn: true}
}

// reference is a personal column sealed deterministically (PersonRef), so that the
// rows naming one person still join.
func reference(column, why string, categories ...Category) Personal {
	return Personal{Column: column, Categories: categories, Why: why, Sealed: true, Reference: true}
}

// only returns p holding personal data only in the rows where is true.
func (p Personal) only(where string) Personal {
	p.Only = where
	return p
}

// expiring returns p with its value going as e says, before its row.
func (p Personal) expiring(e Expiry) Personal {
	p.Expires = e
	return p
}

// raw is the sealed vendor payload that every pulled table keeps.
var raw = payload("raw", whyRaw, Technicians, CustomerUsers, Contacts, NetworkAddresses).expiring(ExpiresAsRaw)

// inventories is the record of processing: one entry per table.
var inventories = map[string]Inventory{
	"customers":   {About: "the MSP's customers (companies)", Plain: []string{"name", "key", "status"}},
	"technicians": {About: "the MSP's technicians", Personal: []Personal{sealed("name", whyTechnician, Technicians), reference("key", whyTechnician, Technicians), reference("email", whyTechnician, Technicians), sealed("aliases", whyTechnician, Technicians)}},
	"devices":     {About: "customers' machines", Plain: []string{"name", "host_key", "serial"}},
	"links": {About: "each tool's id for a customer, technician or device", Plain: []string{"kind", "method"},
		Personal: []Personal{reference("source_id", "a tool's id for a technician is often a sign-in name or UPN", Technicians).only("kind = '" + LinkTechnician + "'")}},
	"organizations":  {About: "customers as each tool lists them", Personal: []Personal{raw}, Plain: []string{"name", "short_name", "type", "status"}},
	"configurations": {About: "network devices documented in IT Glue", Personal: []Personal{raw}, Plain: []string{"customer_ref", "name", "hostname", "serial", "type_name", "archived"}},
	"config_backups": {About: "configuration backups attached in IT Glue", Personal: []Personal{raw}, Plain: []string{"file_name", "name", "content_type", "size"}},
	"access_events": {About: "every access by a technician to a customer's systems", Personal: []Personal{
		raw,
		reference("actor_ref", whyActor, Technicians).expiring(ExpiresToTechnicianPseudonym),
		sealed("actor_name", whyActor, Technicians).expiring(ExpiresAsPersonalData),
		sealed("source_ip", "to show where an access came from", NetworkAddresses).expiring(ExpiresAsPersonalData),
		sealed("detail", whyTarget, CustomerUsers, Technicians).expiring(ExpiresAsPersonalData),
		sealed("attributes", whyTarget, CustomerUsers, Technicians, NetworkAddresses).expiring(ExpiresAsPersonalData),
		sealed("decision", "reconcile's reason, which names the technicians and grantors it compared", Technicians, Contacts),
	}, Plain: []string{"kind", "action", "customer_ref", "device_ref", "device_name", "removal", "covered_by", "authorised_late_by", "digest"}},
	"endpoints":     {About: "customers' machines as each tool lists them", Personal: []Personal{raw}, Plain: []string{"customer_ref", "hostname", "domain", "serial", "os", "type_name"}},
	"agents":        {About: "remote-access agents on customers' machines", Personal: []Personal{raw}, Plain: []string{"type", "customer_ref", "device_ref", "hostname", "ended"}},
	"user_accounts": {About: "technicians' accounts in each tool", Personal: []Personal{raw, reference("source_id", "the tool's id for the account is the technician's user name, which its activity names", Technicians), sealed("name", whyTechnician, Technicians), sealed("email", whyTechnician, Technicians)}, Plain: []string{"disabled"}},
	"authorisations": {About: "customers' authorisations of access", Personal: []Personal{
		raw,
		reference("technician_ref", "to say which technician the customer authorised", Technicians),
		sealed("granted_by", whyContact, Contacts),
		reference("granted_by_ref", whyContact, Contacts),
		sealed("evidence", "the ticket or e-mail that proves the authorisation", Contacts),
		sealed("recorded_by", "who recorded the authorisation: a Custos user, or the PSA's resource id", CustosUsers, Technicians),
		sealed("revoked_by", whyWho, CustosUsers),
		sealed("revoke_reason", whyFreeText, CustosUsers, Contacts),
	}, Plain: []string{"customer_ref", "device_ref", "access_scope", "valid_from", "valid_to", "digest"}},
	"contacts": {About: "customers' authorisation contacts", Personal: []Personal{raw, sealed("name", whyContact, Contacts), sealed("email", whyContact, Contacts)}, Plain: []string{"customer_ref", "authorised", "active"}},
	"verified_backups": {About: "backups verified before a removal", Personal: []Personal{
		sealed("what", "names what was backed up, such as a person's mailbox", CustomerUsers),
		sealed("verified_by", whyWho, Technicians),
		sealed("evidence", "the backup job or ticket that proves the verification", Technicians),
		kept("recorded_by", whyWho, CustosUsers),
		kept("withdrawn_by", whyWho, CustosUsers),
		kept("withdraw_reason", whyFreeText, CustosUsers),
	}},
	"findings": {About: "what the rules flagged", Personal: []Personal{
		sealed("subject", "names what the finding is about, which can be a technician's sign-in name", Technicians),
		sealed("summary", "says who did what on what, so a person can act on it", Technicians, CustomerUsers),
		kept("status_by", whyWho, CustosUsers),
		kept("status_reason", whyFreeText, CustosUsers),
		kept("assignee", "who a finding is given to", CustosUsers),
	}, Plain: []string{"rule", "fingerprint", "severity", "evidence", "first_seen", "last_seen", "status", "day"}},
	"finding_events": {About: "each finding's triage history", Personal: []Personal{
		kept("actor", whyWho, CustosUsers),
		sealed("note", whyFreeText, CustosUsers, Technicians, CustomerUsers),
		kept("assignee", "who a finding was given to", CustosUsers),
	}, Plain: []string{"action"}},
	"exclusions": {About: "suppressions of findings", Personal: []Personal{
		kept("reason", whyFreeText, CustosUsers),
		kept("owner", whyWho, CustosUsers),
		kept("created_by", whyWho, CustosUsers),
		kept("removed_by", whyWho, CustosUsers),
	}, Plain: []string{"rule"}},
	"checkpoints": {About: "where each pull resumes", Plain: []string{"connector", "cursor"}},
	"coverages":   {About: "what each pull read", Plain: []string{"connector", "window_start", "window_end", "outcome", "records", "pages", "removed", "warnings", "error"}},
	"job_runs":    {About: "the history of jobs", Plain: []string{"job", "outcome", "counts", "error"}},
	"job_leases":  {About: "which replica runs which job", Plain: []string{"name", "holder", "slot"}},
	"erasures": {About: "subject erasures done (the record of each request; nothing of the person erased)", Plain: []string{"pseudonym", "counts"},
		Personal: []Personal{sealed("requested_by", "to show who asked for an erasure (accountability)", CustosUsers, Contacts), sealed("reason", whyFreeText, CustosUsers)}},
	"evidence_manifests": {About: "evidence bundles made (the hash that chains each month to the next)", Plain: []string{"month", "sha256", "path"}},
	"report_archives":    {About: "monthly reports written, every rendering (each file it names holds the report's personal data and is deleted with its row after retention.reports)", Plain: []string{"month", "format", "variant", "rendering", "sha256", "document_sha256", "path", "size", "template_version"}},
	"reconcile_changes":  {About: "customers whose reconcile inputs changed since the last run, and on which days", Plain: []string{"claimed", "kind", "day"}},
	"reconcile_states":   {About: "the access rules' settings and time of the last reconcile run", Plain: []string{"settings", "run_at", "full_at"}},
	"relationships": {About: "GDAP relationships with customers' tenants", Personal: []Personal{raw},
		Plain: []string{"customer_ref", "customer_name", "display_name", "status", "duration_days", "auto_extend_days", "roles", "assignments"}},
	"report_receipts": {About: "monthly RMM report e-mails received", Personal: []Personal{raw}, Plain: []string{"message_id", "customer_ref", "month", "subject", "attachments", "digest"}},
	"outbox_entries":  {About: "alerts waiting to be routed", Plain: []string{"fingerprint", "event", "severity", "receiver", "route", "returned"}},
	"notify_receivers": {About: "each receiver's delivery health", Personal: []Personal{
		kept("last_error", "the receiver's answer to the last failed delivery, which can quote the message", Technicians),
	}, Plain: []string{"receiver"}},
	"deliveries": {About: "alert messages and their delivery", Personal: []Personal{
		payload("body", "the alert as sent, which says who did what", Technicians, CustomerUsers).expiring(ExpiresOnDelivery),
		kept("last_error", "the receiver's answer, which can quote the message", Technicians),
	}, Plain: []string{"receiver", "kind", "group_key", "idempotency_key", "findings", "status", "attempts"}},
	"notify_logs": {About: "which alerts went to which receiver", Plain: []string{"fingerprint", "receiver", "state", "severity"}},
	"quarantined_records": {About: "vendor records that did not decode", Personal: []Personal{
		payload("raw", "an excerpt of the record that did not decode, to show what the vendor sent; cleared after raw_payloads", Technicians, CustomerUsers, Contacts, NetworkAddresses).expiring(ExpiresAsRaw),
		kept("error", "why the record did not decode, which can quote the bad value", Technicians, CustomerUsers),
	}, Plain: []string{"item_key", "kind", "page"}},
	"notify_groups": {About: "alert groups sent", Plain: []string{"group_key"}},
	"audit_entries": {About: "the audit trail: every change made through the console or the API, and every sign-in", Personal: []Personal{
		sealed("subject", whyConsoleUser, CustosUsers),
		sealed("name", whyConsoleUser, CustosUsers),
		sealed("from_address", "to say where a change came from (the client's address)", NetworkAddresses),
		sealed("detail", whyFreeText, CustosUsers, Technicians, CustomerUsers, Contacts),
		sealed("outcome", "to say why a change was refused, which may name the person or record refused", CustosUsers, Technicians, CustomerUsers, Contacts),
	}, Plain: []string{"role", "via", "action", "target"}},
	"console_sessions": {About: "browsers signed in to the console", Personal: []Personal{
		sealed("subject", whyConsoleUser, CustosUsers),
		sealed("name", whyConsoleUser, CustosUsers),
	}, Plain: []string{"role", "via", "csrf", "link"}},
	"api_tokens": {About: "the API's bearer tokens (only each token's SHA-256)", Personal: []Personal{
		sealed("created_by", whyWho, CustosUsers),
		sealed("revoked_by", whyWho, CustosUsers),
		sealed("revoke_reason", whyFreeText, CustosUsers),
	}, Plain: []string{"name", "role", "hash"}},
}

// plainByName reports whether a column is plain by its name alone: ids, times and
// the pull's own columns (which tool, stream and scope a row came from).
func plainByName(column string) bool {
	switch column {
	case "id", "source", "stream", "scope", "at":
		return true
	}
	for _, suffix := range []string{"_id", "_at", "_since"} {
		if strings.HasSuffix(column, suffix) {
			return true
		}
	}
	return false
}

// Expiring lists the table's personal columns that expire as e says.
func (inv Inventory) Expiring(e Expiry) []string {
	var out []string
	for _, p := range inv.Personal {
		if p.Expires == e {
			out = append(out, p.Column)
		}
	}
	return out
}

// personIDs reports whether the source ids of a pulled table name people (a user
// name, a sign-in name), so that they are stored as person references (PersonRef).
func (t Table) personIDs() bool {
	for _, p := range t.InventoryOf().Personal {
		if p.Column == "source_id" && p.Reference && p.Only == "" {
			return true
		}
	}
	return false
}

// InventoryOf returns the table's entry in the record of processing.
func (t Table) InventoryOf() Inventory { return inventories[t.Name] }

// Tables returns the description of every table, in the order pages are written.
func Tables() []Table { return slices.Clone(tables) }

// InventoryProblems checks the record of processing against the tables: it lists,
// as "table.column: …", every column the inventory neither calls personal nor plain
// (a decision somebody has to make before the column ships) and every column it
// names that the table does not have.
func InventoryProblems() ([]string, error) {
	var out []string
	cache := &stdsync.Map{}
	for _, t := range tables {
		inv, ok := inventories[t.Name]
		if !ok {
			out = append(out, t.Name+": not in the inventory")
			continue
		}
		s, err := schema.Parse(t.Model, cache, schema.NamingStrategy{})
		if err != nil {
			return nil, fmt.Errorf("store: reading the columns of %s: %w", t.Name, err)
		}
		var columns []string
		for _, f := range s.Fields {
			if f.DBName != "" {
				columns = append(columns, f.DBName)
			}
		}
		named := slices.Clone(inv.Plain)
		for _, p := range inv.Personal {
			named = append(named, p.Column)
		}
		for _, col := range columns {
			if !plainByName(col) && !slices.Contains(named, col) {
				out = append(out, t.Name+"."+col+": not classified as personal or plain")
			}
		}
		for _, col := range named {
			if !slices.Contains(columns, col) {
				out = append(out, t.Name+"."+col+": classified, but the table has no such column")
			}
		}
	}
	return out, nil
}

// Keeping says in words how long the policy keeps a personal value of table t: when
// the value goes, and when its row does.
func (p RetentionPolicy) Keeping(t Table, col Personal) string {
	row := p.rowKeeping(t)
	switch col.Expires {
	case ExpiresAsPersonalData:
		return "blanked " + after(p.PersonalData, "the access started") + "; " + row
	case ExpiresAsRaw:
		return "cleared " + after(p.RawPayloads, "the source last listed the row") + "; " + row
	case ExpiresOnDelivery:
		return "deleted once the alert is delivered or given up; " + row
	case ExpiresToTechnicianPseudonym:
		return "replaced by the technician's pseudonym " + after(p.PersonalData, "the access started") +
			" (an actor no technician matched keeps it as the finding's evidence); " + row
	}
	return row
}

// rowKeeping says how long the policy keeps a row of table t.
func (p RetentionPolicy) rowKeeping(t Table) string {
	switch t.Retention {
	case KeptWhileListed:
		return "row deleted " + after(p.RemovedRecords, "its source stopped listing it")
	case KeptWithParent:
		return "row deleted with its " + strings.TrimSuffix(t.Parent, "s")
	case KeptAsEvents:
		return "row deleted " + after(p.AccessEvents, "the access started")
	case KeptAsCoverage:
		return "row deleted " + after(p.Coverage, "the pull")
	case KeptAsJobRuns:
		return "row deleted " + after(p.JobRuns, "the run")
	case KeptUntilResolved:
		return "row deleted " + after(p.ResolvedFindings, "the finding was resolved")
	case KeptAsDeliveries:
		return "row deleted " + after(p.Deliveries, "it was written")
	case KeptAsAuditTrail:
		return "row deleted " + after(p.AuditTrail, "the change")
	case KeptUntilExpired:
		return "row deleted once the session expired or was signed out"
	case KeptAsTokens:
		return "row deleted " + after(p.AuditTrail, "the token was revoked or expired")
	}
	return "row kept until a person removes it"
}

// after says "180 days after event", or "never" for a policy that keeps forever.
func after(d time.Duration, event string) string {
	if d <= 0 {
		return "never (kept forever by the configuration)"
	}
	days := int(d / (24 * time.Hour))
	if d%(24*time.Hour) != 0 || days == 0 {
		return fmt.Sprintf("%s after %s", d, event)
	}
	return fmt.Sprintf("%d days after %s", days, event)
}
