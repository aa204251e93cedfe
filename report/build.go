// Package report builds a customer's monthly report from the store (accesses and the
// authorisations that covered them, findings, Microsoft 365 partner access, network
// device backups, the RMM report received, and the coverage of every source) and
// renders it to HTML or PDF, with charts drawn server-side. Both outputs come from the
// same Report value; the HTML template is versioned and embedded.
package report

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/custos-msp/custos/acts"
	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/mapping"
	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
)

// Month is a calendar month.
type Month struct {
	Year  int
	Month time.Month
}

// ParseMonth reads "2026-10".
func ParseMonth(s string) (Month, error) {
	t, err := time.Parse("2006-01", strings.TrimSpace(s))
	if err != nil {
		return Month{}, fmt.Errorf("report: month %q: want YYYY-MM, e.g. 2026-10", s)
	}
	return Month{t.Year(), t.Month()}, nil
}

// PreviousMonth is the calendar month before the one now falls in, in loc.
func PreviousMonth(now time.Time, loc *time.Location) Month {
	t := time.Date(now.In(loc).Year(), now.In(loc).Month(), 1, 0, 0, 0, 0, loc).AddDate(0, -1, 0)
	return Month{t.Year(), t.Month()}
}

// String is "2026-10".
func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// Bounds returns the month's first instant and the next month's, in loc.
func (m Month) Bounds(loc *time.Location) (from, to time.Time) {
	from = time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, loc)
	return from, from.AddDate(0, 1, 0)
}

// Options are what a report takes from the configuration and the caller.
type Options struct {
	MSPName string
	Logo    *Logo
	// Colour is the MSP's colour, #RRGGBB, of titles and rules; DefaultColour when empty.
	Colour string
	// Location is the customer's time zone; UTC when nil.
	Location *time.Location
	// Variant is VariantCustomer or VariantInternal.
	Variant string
	// Now is when the report is made.
	Now time.Time
	// BackupMaxAge is how old a device's newest backup may be and still be current.
	BackupMaxAge time.Duration
	// GapTolerance is the shortest unread stretch of a windowed source that counts
	// as a gap; shorter ones are the normal wait between pulls.
	GapTolerance time.Duration
}

// DefaultGapTolerance is the gap tolerance when Options leaves it zero.
const DefaultGapTolerance = 6 * time.Hour

// OptionsFromConfig builds the options of a customer's report from the configuration
// and the rules it configures: its MSP name and logo, the customer's time zone and
// the backup age limit of CONFIG-BACKUP-STALE.
func OptionsFromConfig(cfg *config.Config, rules *reconcile.RuleSet, customer string, logo *Logo, variant string, now time.Time) Options {
	zone := cfg.Report.TimeZone
	for name, rc := range cfg.Report.Customers {
		if strings.EqualFold(name, customer) && rc.TimeZone.IsSet() {
			zone = rc.TimeZone
		}
	}
	return Options{
		MSPName: cfg.Report.MSPName, Logo: logo, Colour: cfg.Report.Colour, Location: zone.Std(), Variant: variant, Now: now,
		BackupMaxAge: reconcile.Configured[*reconcile.ConfigBackupStale](rules).MaxAge.Std(), GapTolerance: DefaultGapTolerance,
	}
}

// Build reads the store and computes the customer's report for the month.
func Build(ctx context.Context, st *store.Store, customer store.Customer, month Month, opts Options) (*Report, error) {
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	from, to := month.Bounds(loc)
	now := opts.Now.In(loc)
	if !now.After(from) {
		return nil, fmt.Errorf("report: %s of %s has not started yet", month, customer.Name)
	}
	until := to
	if now.Before(to) {
		until = now
	}
	variant := cmp.Or(opts.Variant, VariantCustomer)
	r := &Report{
		TemplateVersion: TemplateVersion, MSPName: opts.MSPName, Logo: opts.Logo, Colour: brandColour(opts.Colour), Customer: customer.Name,
		Month: month.String(), MonthName: from.Format("January 2006"), TimeZone: loc.String(),
		From: from, To: to, Until: until, Partial: until.Before(to), GeneratedAt: now, Variant: variant,
	}
	events, err := st.ReportAccessEvents(ctx, customer.ID, from, until)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	// Every finding known now: one first seen after the month can be about an access in it.
	findings, err := st.CustomerFindings(ctx, customer.ID, now)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	occurred, err := st.FindingsOccurred(ctx, findings)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	configs, err := st.CustomerConfigurations(ctx, customer.ID)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	coverage, err := st.CustomerCoverage(ctx, customer.ID, from, until, now)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	// A month whose pulls retention has since deleted still holds what they read.
	if len(coverage) == 0 && len(events) == 0 {
		return nil, noData(ctx, st, customer, month, from, now)
	}
	streams, err := st.CustomerStreams(ctx, customer.ID, now)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	r.Findings, r.Summary.Findings = findingRows(findings, occurred, from, until, r.Internal())
	for _, s := range r.Summary.Findings {
		r.Summary.Opened += s.Opened
		r.Summary.Resolved += s.Resolved
		r.Summary.OpenAt += s.OpenAt
	}
	r.Accesses = accesses(events, raisedBy(findings), until, r.Internal())
	r.summariseAccesses(from, to)
	r.Backups = backups(configs, until, opts.BackupMaxAge)
	tolerance := cmp.Or(opts.GapTolerance, DefaultGapTolerance)
	r.Coverage = streamCoverage(streams, coverage, from, until, tolerance)
	r.Sources = sourceLines(r.Coverage, from, until, r.Partial)
	r.Absent = absent(r.Coverage)
	r.M365 = M365{Configured: hasConnector(streams, m365Connectors...)}
	if r.M365.Configured {
		rels, err := st.Relationships(ctx)
		if err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		if r.M365.Relationships, err = relationships(rels, customer.ID, from, loc); err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		for _, rel := range r.M365.Relationships {
			if rel.GlobalAdmin {
				r.M365.GlobalAdmin++
			}
		}
	}
	// The report mailbox is one scope for every customer, so whether it is read at
	// all is what says the section has a source.
	if r.RMMReport.Configured, err = st.StreamRead(ctx, rmmReportStream.Connector, rmmReportStream.Stream, now); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if r.RMMReport.Configured {
		receipts, err := st.ReportReceipts(ctx, month.String())
		if err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		if r.RMMReport.Receipts, err = reportReceipts(mapping.CustomerReceipts(receipts, customer, month.String()), loc); err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
	}
	return r, nil
}

// DefaultColour is the reports' colour when the MSP names none.
const DefaultColour = "#1f4e79"

var hexColour = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// brandColour is colour when it is written #RRGGBB, else DefaultColour.
func brandColour(colour string) string {
	if hexColour.MatchString(colour) {
		return strings.ToLower(colour)
	}
	return DefaultColour
}

// ErrNoData is what Build's error matches (errors.Is) when Custos holds no data for
// the customer in the month: no pull of any source that reads the customer ran in
// it or read a window of it, and no access of the month is stored. Such a month is not reported, since every number would
// be a zero that nothing was read to support.
var ErrNoData = errors.New("no data for the month")

// NoDataError says why a month has no report: the customer's first read, if any.
type NoDataError struct {
	Customer string
	Month    Month
	// First is the earliest instant a source read of the customer; nil when none has.
	First *time.Time
	// Before is true when the month ended before First.
	Before bool
}

func (e *NoDataError) Error() string {
	name := time.Date(e.Month.Year, e.Month.Month, 1, 0, 0, 0, 0, time.UTC).Format("January 2006")
	switch {
	case e.First == nil:
		return fmt.Sprintf("report: Custos holds no data for %s: no source has read it yet, so there is nothing to report for %s", e.Customer, name)
	case e.Before:
		return fmt.Sprintf("report: Custos holds no data for %s before %s (its first read), so there is nothing to report for %s", e.Customer, e.First.Format("2 January 2006 15:04 MST"), name)
	}
	return fmt.Sprintf("report: Custos holds no data for %s in %s: no source read it in that month (its first read was %s)", e.Customer, name, e.First.Format("2 January 2006 15:04 MST"))
}

// Is makes the error match ErrNoData.
func (e *NoDataError) Is(target error) bool { return target == ErrNoData }

// noData is the NoDataError of a month of the customer that no pull read.
func noData(ctx context.Context, st *store.Store, customer store.Customer, month Month, from, now time.Time) error {
	first, ok, err := st.CustomerFirstRead(ctx, customer.ID, now)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	e := &NoDataError{Customer: customer.Name, Month: month}
	if ok {
		at := first.In(from.Location())
		e.First, e.Before = &at, !at.Before(from.AddDate(0, 1, 0))
	}
	return e
}

// globalAdministrator is the role template id of Global Administrator
// (connectors/m365.GlobalAdministrator, not imported for one constant).
const globalAdministrator = "62e90394-69f5-4237-9190-012177145e10"

// relationships lists the customer's GDAP relationships that had not ended before
// the period began.
func relationships(all []store.Relationship, customerID uint, from time.Time, loc *time.Location) ([]Relationship, error) {
	var out []Relationship
	for _, rel := range all {
		if rel.CustomerID == nil || *rel.CustomerID != customerID || (rel.EndedAt != nil && rel.EndedAt.Before(from)) {
			continue
		}
		roles, err := rel.RoleList()
		if err != nil {
			return nil, err
		}
		row := Relationship{Name: cmp.Or(rel.DisplayName, rel.SourceID), Status: rel.Status, AutoExtend: "no",
			Start: inZone(rel.StartedAt, loc), End: inZone(cmp.Or(rel.EndedAt, rel.EndsAt), loc)}
		if rel.AutoExtendDays > 0 {
			row.AutoExtend = fmt.Sprintf("every %d days", rel.AutoExtendDays)
		}
		for _, role := range roles {
			row.Roles = append(row.Roles, cmp.Or(role.Name, role.ID))
			row.GlobalAdmin = row.GlobalAdmin || role.ID == globalAdministrator
		}
		out = append(out, row)
	}
	return out, nil
}

// reportReceipts lists the customer's RMM report e-mails (mapping.CustomerReceipts),
// one row per attachment.
func reportReceipts(receipts []store.ReportReceipt, loc *time.Location) ([]Receipt, error) {
	var out []Receipt
	for _, rc := range receipts {
		atts, err := rc.AttachmentList()
		if err != nil {
			return nil, err
		}
		row := Receipt{Received: rc.ReceivedAt.In(loc), Subject: rc.Subject}
		if len(atts) == 0 {
			out = append(out, row)
		}
		for _, a := range atts {
			row.Attachment, row.SHA256 = a.Name, a.SHA256
			out = append(out, row)
		}
	}
	return out, nil
}

func inZone(t *time.Time, loc *time.Location) *time.Time {
	if t == nil {
		return nil
	}
	in := t.In(loc)
	return &in
}

// m365Connectors are the sources of the Microsoft 365 section (connectors/m365 and
// connectors/o365audit); a customer none of them has read gets "no data source".
// rmmReportStream reads the RMM report e-mails.
var (
	m365Connectors  = []string{record.SourceM365, record.SourceO365Audit}
	rmmReportStream = store.CoveredStream{Connector: record.SourceM365, Stream: record.StreamRMMReports}
)

func hasConnector(streams []store.CoveredStream, names ...string) bool {
	return slices.ContainsFunc(streams, func(s store.CoveredStream) bool { return slices.Contains(names, s.Connector) })
}

// kindLabels names each kind of access, in the order the report lists them.
var kindLabels = []struct{ kind, label string }{
	{record.KindRemoteSession, "Remote session"},
	{record.KindCommand, "Command or script"},
	{record.KindM365SignIn, "Partner sign-in"},
	{record.KindM365Admin, "Admin action"},
	{record.KindM365Mailbox, "Mailbox access"},
}

func kindLabel(kind string) string {
	for _, k := range kindLabels {
		if k.kind == kind {
			return k.label
		}
	}
	return kind
}

// tenantTarget is what a Microsoft 365 access that names no device was made on: the
// customer's tenant.
func tenantTarget(kind string) string {
	if record.InTenant(kind) {
		return "Microsoft 365 tenant"
	}
	return ""
}

// raisedBy maps each access event to the finding that lists it as evidence.
func raisedBy(findings []store.Finding) map[uint]store.Finding {
	out := map[uint]store.Finding{}
	for _, f := range findings {
		for _, id := range f.AccessEventIDs() {
			out[id] = f
		}
	}
	return out
}

// accesses lists the events as the report shows them, in until's zone, each with the
// finding it raised and that finding's state at until.
func accesses(events []store.ReportAccess, raised map[uint]store.Finding, until time.Time, internal bool) []Access {
	loc := until.Location()
	out := make([]Access, len(events))
	for i, e := range events {
		a := Access{
			ID: e.ID, When: e.StartedAt.In(loc), Technician: technician(e), Kind: kindLabel(e.Kind),
			Action: acts.Of(&e.AccessEvent).String(), Target: cmp.Or(e.CanonicalDevice, e.DeviceName, e.DeviceRef, tenantTarget(e.Kind)),
		}
		switch {
		case e.CoveredBy != nil:
			a.Status, a.Evidence, a.GrantedBy, a.Scope = AccessAuthorised, e.AuthEvidence, e.AuthGrantedBy, e.AuthScope
		case e.BackupID != nil:
			a.Status, a.Evidence = AccessAuthorised, "verified backup "+e.BackupEvidence
		case e.AuthorisedLateBy != nil && e.AuthRecordedAt != nil:
			a.Status, a.Evidence, a.GrantedBy, a.Scope = AccessAuthorisedLate, e.AuthEvidence, e.AuthGrantedBy, e.AuthScope
			a.Recorded = e.AuthRecordedAt.In(loc)
		case e.LateBackupID != nil && e.BackupRecordedAt != nil:
			a.Status, a.Evidence, a.Recorded = AccessAuthorisedLate, "verified backup "+e.BackupEvidence, e.BackupRecordedAt.In(loc)
		case e.Decision != "":
			a.Status = AccessUnauthorised
		default:
			a.Status = AccessUnchecked
		}
		if f, ok := raised[e.ID]; ok && a.Status != AccessAuthorised {
			a.FindingID, a.FindingStatus = f.ID, triaged(f, until)
		}
		if internal {
			a.Reason, a.Source, a.SourceIP = e.Decision, e.Source+":"+e.SourceID, e.SourceIP
		}
		out[i] = a
	}
	return out
}

func technician(e store.ReportAccess) string {
	switch {
	case e.TechnicianName != "":
		return e.TechnicianName
	case e.ActorName != "":
		return e.ActorName + " (not a known technician)"
	case e.ActorRef != "":
		return e.ActorRef + " (not a known technician)"
	}
	return "unknown"
}

// summariseAccesses counts the accesses by kind, by day and, for the internal
// variant, by technician.
func (r *Report) summariseAccesses(from, to time.Time) {
	byKind := map[string]*KindCount{}
	byTech := map[string]*TechnicianTotal{}
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		r.Days = append(r.Days, Day{Date: d})
	}
	for _, a := range r.Accesses {
		k := byKind[a.Kind]
		if k == nil {
			k = &KindCount{Label: a.Kind}
			byKind[a.Kind] = k
		}
		t := byTech[a.Technician]
		if t == nil {
			t = &TechnicianTotal{Name: a.Technician}
			byTech[a.Technician] = t
		}
		day := &r.Days[a.When.Day()-1]
		r.Summary.Accesses++
		k.Total++
		t.Total++
		switch a.Status {
		case AccessAuthorised:
			r.Summary.Authorised++
			k.Authorised++
			t.Authorised++
			day.Authorised++
		case AccessAuthorisedLate:
			r.Summary.AuthorisedLate++
			k.AuthorisedLate++
			t.AuthorisedLate++
			day.Other++
		case AccessUnauthorised:
			r.Summary.Unauthorised++
			k.Unauthorised++
			t.Unauthorised++
			day.Other++
		default:
			r.Summary.Unchecked++
			k.Unchecked++
			t.Unchecked++
			day.Other++
		}
	}
	for _, kl := range kindLabels {
		if k, ok := byKind[kl.label]; ok {
			k.Kind = kl.kind
			r.Summary.ByKind = append(r.Summary.ByKind, *k)
			delete(byKind, kl.label)
		}
	}
	for _, label := range slices.Sorted(maps.Keys(byKind)) {
		k := byKind[label]
		k.Kind = label
		r.Summary.ByKind = append(r.Summary.ByKind, *k)
	}
	if r.Internal() {
		for _, name := range slices.Sorted(maps.Keys(byTech)) {
			r.Technicians = append(r.Technicians, *byTech[name])
		}
	}
}

// findingRows lists the findings opened or resolved in [from, until) or open at
// until, most severe first, and counts them per severity.
// A finding is dated by when what it is about happened (occurred: the earliest access
// it cites), so that a month's report counts the findings about that month's
// accesses, even those Custos found later.
func findingRows(findings []store.Finding, occurred map[uint]time.Time, from, until time.Time, internal bool) ([]FindingRow, []SeverityCount) {
	counts := make([]SeverityCount, len(vocab.Severities))
	for i, s := range vocab.Severities {
		counts[len(counts)-1-i].Severity = s
	}
	var rows []FindingRow
	for _, f := range findings {
		happened, ok := occurred[f.ID]
		if !ok {
			happened = f.FirstSeen
		}
		if !happened.Before(until) {
			continue
		}
		opened := !happened.Before(from)
		resolvedIn := f.ResolvedAt != nil && !f.ResolvedAt.Before(from) && f.ResolvedAt.Before(until)
		resolvedBy := f.ResolvedAt != nil && f.ResolvedAt.Before(until)
		state := stateAt(f, until)
		openAt := state == store.StatusOpen || state == store.StatusAcknowledged
		if !opened && !resolvedIn && !openAt {
			continue
		}
		i := slices.IndexFunc(counts, func(c SeverityCount) bool { return c.Severity == f.Severity })
		if i < 0 {
			counts = append(counts, SeverityCount{Severity: f.Severity})
			i = len(counts) - 1
		}
		c := &counts[i]
		if opened {
			c.Opened++
		}
		if resolvedIn {
			c.Resolved++
		}
		if openAt {
			c.OpenAt++
		}
		row := FindingRow{
			ID: f.ID, Rule: f.Rule, Severity: f.Severity, Summary: f.Summary, Happened: happened.In(from.Location()), State: state,
		}
		if resolvedBy {
			at := f.ResolvedAt.In(from.Location())
			row.ResolvedAt = &at
		}
		if internal {
			row.StatusBy, row.StatusReason = f.StatusBy, f.StatusReason
		}
		rows = append(rows, row)
	}
	slices.SortStableFunc(rows, func(a, b FindingRow) int {
		return cmp.Or(
			b.Severity.Rank()-a.Severity.Rank(),
			a.Happened.Compare(b.Happened),
			cmp.Compare(a.ID, b.ID),
		)
	})
	return rows, counts
}

// triaged says a finding's state at until and, when a person set it (acknowledged,
// resolved, suppressed), what they wrote: "acknowledged: the customer asked for it by
// phone". What the MSP did about an access nothing covered.
func triaged(f store.Finding, until time.Time) string {
	state := stateAt(f, until)
	if state == store.StatusOpen || f.StatusReason == "" || f.StatusBy == "" || f.StatusBy == store.StatusBySystem {
		return state
	}
	return state + ": " + f.StatusReason
}

// stateAt is a finding's state at until: one resolved later was still open then.
func stateAt(f store.Finding, until time.Time) string {
	if f.Status == store.StatusResolved && (f.ResolvedAt == nil || !f.ResolvedAt.Before(until)) {
		return store.StatusOpen
	}
	return f.Status
}

// backups judges every network device's backups as they stood at until.
func backups(configs []store.Configuration, until time.Time, maxAge time.Duration) Backups {
	b := Backups{MaxAgeDays: int(maxAge.Hours() / 24)}
	for _, c := range configs {
		if !c.SourceCreatedAt.IsZero() && !c.SourceCreatedAt.Before(until) {
			continue // the device was documented after the period
		}
		row := DeviceBackup{Name: c.Name, Type: c.TypeName, Status: BackupMissing}
		var newest *store.ConfigBackup
		for i := range c.Backups {
			bk := &c.Backups[i]
			if !bk.SourceCreatedAt.Before(until) {
				continue
			}
			row.Backups++
			if newest == nil || bk.SourceCreatedAt.After(newest.SourceCreatedAt) {
				newest = bk
			}
		}
		b.Devices++
		if newest != nil {
			b.WithBackup++
			at := newest.SourceCreatedAt.In(until.Location())
			row.Newest, row.NewestFile = &at, newest.FileName
			row.AgeDays = int(until.Sub(newest.SourceCreatedAt).Hours() / 24)
			switch reconcile.BackupStale(newest.SourceCreatedAt, c.InstalledAt, until, maxAge) {
			case reconcile.BackupPredates:
				row.Status = BackupPredates
			case reconcile.BackupTooOld:
				row.Status = BackupStale
			default:
				row.Status = BackupCurrent
				b.Current++
			}
		}
		b.Rows = append(b.Rows, row)
	}
	return b
}
