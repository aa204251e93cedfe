package report

import (
	"fmt"
	"time"

	"github.com/custos-msp/custos/vocab"
)

// Variants of a report.
const (
	// VariantCustomer is the report a customer receives.
	VariantCustomer = "customer"
	// VariantInternal adds what the MSP's own staff need: why each access was or was
	// not covered, where each record came from, totals per technician and who
	// changed a finding's status and why.
	VariantInternal = "internal"
)

// TemplateVersion names the layout of the HTML template and the PDF; it is printed
// in every report and kept in the archive.
const TemplateVersion = "v1"

// Report is everything one monthly report shows, computed once and rendered to HTML
// or PDF.
type Report struct {
	TemplateVersion string
	MSPName         string
	// Colour is the MSP's colour, #rrggbb, of titles and rules.
	Colour string
	// Logo is the MSP's logo, or nil.
	Logo     *Logo
	Customer string
	// Month is "2026-10"; MonthName is "October 2026".
	Month     string
	MonthName string
	TimeZone  string
	// From and To bound the calendar month in the customer's zone; Until is the
	// end of what the report covers: To, or the generation time while the month runs.
	From, To, Until time.Time
	// Partial is true while the month has not ended.
	Partial     bool
	GeneratedAt time.Time
	Variant     string
	// Rendering numbers this rendering among the archived ones of the customer's
	// month, format and variant (1, 2, …); 0 until the archive numbers it.
	Rendering int

	Summary   Summary
	Days      []Day
	Accesses  []Access
	Findings  []FindingRow
	M365      M365
	Backups   Backups
	RMMReport RMMReport
	Coverage  []StreamCoverage
	// Sources says per source in one sentence what was read (the customer variant's coverage).
	Sources []SourceLine
	// Absent says what each empty section means, from Coverage.
	Absent Absent
	// Technicians totals the accesses per technician (internal variant only).
	Technicians []TechnicianTotal
}

// Internal reports whether this is the internal variant.
func (r *Report) Internal() bool { return r.Variant == VariantInternal }

// RenderingName is "r2" for the second rendering, "not archived" before the
// archive numbers it.
func (r *Report) RenderingName() string {
	if r.Rendering < 1 {
		return "not archived"
	}
	return fmt.Sprintf("r%d", r.Rendering)
}

// DocumentHash is what the footer prints after HashLabel: a placeholder that Stamp
// replaces with the document hash once the rendering is complete.
func (r *Report) DocumentHash() string { return hashPlaceholder }

// Logo is an image file's content.
type Logo struct {
	// MIME is image/png or image/jpeg.
	MIME string
	Data []byte
}

// Summary holds the headline numbers.
type Summary struct {
	// Accesses counts the accesses that started in the period: Authorised ones
	// were covered by an authorisation, AuthorisedLate ones only by one recorded
	// after the access began, Unauthorised ones were checked and not covered,
	// Unchecked ones have not been checked yet.
	Accesses, Authorised, AuthorisedLate, Unauthorised, Unchecked int
	ByKind                                                        []KindCount
	// Findings counts, per severity (most severe first), the findings opened and
	// resolved in the period and those open at its end.
	Findings                 []SeverityCount
	Opened, Resolved, OpenAt int
}

// KindCount counts one kind of access.
type KindCount struct {
	Kind, Label                                                string
	Total, Authorised, AuthorisedLate, Unauthorised, Unchecked int
}

// SeverityCount counts the findings of one severity.
type SeverityCount struct {
	Severity                 vocab.Severity
	Opened, Resolved, OpenAt int
}

// Day counts one calendar day's accesses, for the chart.
type Day struct {
	Date time.Time
	// Authorised were covered; Other were not covered or not yet checked.
	Authorised, Other int
}

// Access statuses.
const (
	AccessAuthorised = "authorised"
	// AccessAuthorisedLate is an access whose authorisation (or verified backup)
	// was recorded only after it began.
	AccessAuthorisedLate = "authorised afterwards"
	AccessUnauthorised   = "not authorised"
	AccessUnchecked      = "not yet checked"
)

// Access is one access to the customer's systems.
type Access struct {
	ID         uint
	When       time.Time
	Technician string
	// Kind is the kind's label ("Remote session"); Action what the source called it.
	Kind, Action string
	// Target is the device or tenant.
	Target string
	Status string
	// Evidence, GrantedBy and Scope describe the covering authorisation; Recorded,
	// for an access authorised afterwards, is when it was recorded.
	Evidence, GrantedBy, Scope string
	Recorded                   time.Time `json:",omitzero"`
	// FindingID is the finding the access raised, 0 if none; FindingStatus its status.
	FindingID     uint
	FindingStatus string
	// Internal variant only: why it was or was not covered, and where it came from.
	Reason, Source, SourceIP string
}

// FindingRow is a finding opened, resolved or open in the period.
type FindingRow struct {
	ID       uint
	Rule     string
	Severity vocab.Severity
	Summary  string
	// Happened is when what the finding is about happened: the start of the earliest
	// access it cites, else when Custos first saw it.
	Happened   time.Time
	ResolvedAt *time.Time
	// State is the finding's state at the end of the period: open, acknowledged,
	// resolved or suppressed.
	State string
	// Internal variant only: who set the status and why.
	StatusBy, StatusReason string
}

// M365 is the Microsoft 365 partner access section.
type M365 struct {
	// Configured is false when no Microsoft 365 source has ever read this customer.
	Configured    bool
	Relationships []Relationship
	// GlobalAdmin counts the relationships that grant Global Administrator.
	GlobalAdmin int
}

// Relationship is a GDAP relationship with the customer's tenant.
type Relationship struct {
	Name, Status string
	Roles        []string
	Start, End   *time.Time
	AutoExtend   string
	GlobalAdmin  bool
}

// Backups is the network devices' configuration backup coverage at the end of the
// period.
type Backups struct {
	Devices, WithBackup, Current int
	// MaxAgeDays is how old the newest backup may be and still count as current.
	MaxAgeDays int
	Rows       []DeviceBackup
}

// Missing lists the devices whose backup is not current.
func (b Backups) Missing() []DeviceBackup {
	var out []DeviceBackup
	for _, r := range b.Rows {
		if r.Status != BackupCurrent {
			out = append(out, r)
		}
	}
	return out
}

// Backup statuses of a device.
const (
	BackupCurrent  = "current"
	BackupStale    = "stale"
	BackupMissing  = "missing"
	BackupPredates = "older than the device's installation"
)

// DeviceBackup is one network device's backups.
type DeviceBackup struct {
	Name, Type string
	Backups    int
	// Newest is the newest backup's time and file; AgeDays its age at the end of
	// the period.
	Newest     *time.Time
	NewestFile string
	AgeDays    int
	Status     string
}

// RMMReport is the monthly RMM report received for the month, or its absence.
type RMMReport struct {
	// Configured is false when no source reads RMM report e-mails.
	Configured bool
	Receipts   []Receipt
}

// Receipt is one RMM report e-mail.
type Receipt struct {
	Received   time.Time
	Subject    string
	Attachment string
	SHA256     string
}

// Coverage statuses of a stream.
const (
	CoverageComplete = "complete"
	CoverageGaps     = "gaps"
	CoverageErrors   = "errors"
	CoverageNoData   = "no data"
)

// StreamCoverage is what one source's stream read for the customer in the period.
type StreamCoverage struct {
	Connector, Stream string
	Pulls, OK         int
	Records           int
	// Failures lists the outcomes of failed pulls with their counts, e.g. "2 access_denied".
	Failures []string
	LastOK   *time.Time
	// Windowed is true when the stream reads time windows; Windows are the
	// windows read (merged) and Gaps the parts of the period none read.
	Windowed bool
	Windows  []Span
	Gaps     []Span
	Status   string
}

// Span is a stretch of time.
type Span struct{ From, To time.Time }

// TechnicianTotal counts one technician's accesses.
type TechnicianTotal struct {
	Name                                                       string
	Total, Authorised, AuthorisedLate, Unauthorised, Unchecked int
}
