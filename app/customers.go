package app

import (
	"cmp"
	"context"
	"time"

	"github.com/custos-msp/custos/store"
)

// CustomerRow is a customer as a list shows it: its status, how many of its findings
// are open and when any source was last read for it (its scopes and account-wide
// ones, as Freshness says).
type CustomerRow struct {
	ID           uint       `json:"id"`
	Name         string     `json:"name"`
	Status       string     `json:"status"`
	StatusSince  *time.Time `json:"status_since,omitempty"`
	OpenFindings int        `json:"open_findings"`
	// LastRead is the latest successful read of any source for it; nil when none.
	LastRead *time.Time `json:"last_read"`
	// SourcesFailing counts the enabled sources whose latest pull of one of its
	// scopes failed.
	SourcesFailing int `json:"sources_failing"`
}

// Customers lists a page of the customers by name and how many there are.
func (a *App) Customers(ctx context.Context, rows store.Rows) ([]CustomerRow, int64, error) {
	sums, total, err := a.Store.CustomerSummaries(ctx, rows)
	if err != nil {
		return nil, 0, err
	}
	healths, err := a.Store.StreamHealths(ctx)
	if err != nil {
		return nil, 0, err
	}
	out := make([]CustomerRow, len(sums))
	for i, s := range sums {
		out[i] = customerRow(s.Customer, s.OpenFindings, summariseSources(a.enabledConnectors(), healths, &s.ID))
	}
	return out, total, nil
}

func customerRow(c store.Customer, open int, sources []Source) CustomerRow {
	r := CustomerRow{ID: c.ID, Name: c.Name, Status: c.Status, StatusSince: utc(c.StatusSince), OpenFindings: open}
	for _, s := range sources {
		if s.LastRead != nil && (r.LastRead == nil || s.LastRead.After(*r.LastRead)) {
			r.LastRead = utc(s.LastRead)
		}
		if s.Failing > 0 {
			r.SourcesFailing++
		}
	}
	return r
}

// TimelineEvent is one access to a customer's systems, with reconcile's decision on
// it and the finding that cites it, if any.
type TimelineEvent struct {
	EventEvidence
	// Coverage is covered (an authorisation or a verified backup covered it),
	// authorised_late (one recorded after it began would have), uncovered, or
	// unchecked (reconcile has not decided yet).
	Coverage  string `json:"coverage"`
	FindingID *uint  `json:"finding_id,omitempty"`
}

// The coverage of an access event, as TimelineEvent says it.
const (
	AccessCovered        = "covered"
	AccessAuthorisedLate = "authorised_late"
	AccessUncovered      = "uncovered"
	AccessUnchecked      = "unchecked"
)

// accessCoverage says whether reconcile found the access covered.
func accessCoverage(ev store.AccessEvent) string {
	switch {
	case ev.CoveredBy != nil || ev.BackupID != nil:
		return AccessCovered
	case ev.AuthorisedLateBy != nil || ev.LateBackupID != nil:
		return AccessAuthorisedLate
	case ev.Decision == "":
		return AccessUnchecked
	}
	return AccessUncovered
}

// DeviceRow is one of a customer's devices with what backs it up: its IT Glue
// configurations' attached backups and the verified backups recorded for it.
type DeviceRow struct {
	// ID is the canonical device's; 0 for a configuration mapped to no device.
	ID              uint                `json:"id,omitempty"`
	Name            string              `json:"name"`
	Configurations  []ConfigurationRow  `json:"configurations"`
	VerifiedBackups []VerifiedBackupRow `json:"verified_backups"`
}

// ConfigurationRow is an IT Glue configuration and the backups attached to it.
type ConfigurationRow struct {
	ID          uint              `json:"id"`
	Name        string            `json:"name"`
	Type        string            `json:"type"`
	InstalledAt *time.Time        `json:"installed_at,omitempty"`
	Backups     []ConfigBackupRow `json:"backups"`
}

// ConfigBackupRow is a configuration backup attached in IT Glue.
type ConfigBackupRow struct {
	FileName  string    `json:"file_name"`
	Size      int64     `json:"size"`
	CreatedAt time.Time `json:"created_at"`
}

// VerifiedBackupRow is a verified backup recorded in Custos.
type VerifiedBackupRow struct {
	ID         uint      `json:"id"`
	What       string    `json:"what"`
	TakenAt    time.Time `json:"taken_at"`
	VerifiedAt time.Time `json:"verified_at"`
	VerifiedBy string    `json:"verified_by"`
	Evidence   string    `json:"evidence"`
}

// RelationshipRow is a GDAP relationship and the roles it grants.
type RelationshipRow struct {
	ID             uint       `json:"id"`
	Name           string     `json:"name"`
	Status         string     `json:"status"`
	StartedAt      *time.Time `json:"started_at,omitempty"`
	EndsAt         *time.Time `json:"ends_at,omitempty"`
	AutoExtendDays int        `json:"auto_extend_days"`
	Roles          []string   `json:"roles"`
}

// CustomerDetail is everything the console shows of one customer.
type CustomerDetail struct {
	Customer CustomerRow `json:"customer"`
	// Timeline is a page of its access events, newest first; TimelineTotal how many
	// there are.
	Timeline      []TimelineEvent `json:"timeline"`
	TimelineTotal int64           `json:"timeline_total"`
	// Authorisations are those active now.
	Authorisations []AuthorisationRow `json:"authorisations"`
	Devices        []DeviceRow        `json:"devices"`
	// TenantBackups are the verified backups not tied to one device.
	TenantBackups []VerifiedBackupRow `json:"tenant_backups"`
	Relationships []RelationshipRow   `json:"relationships"`
	// Coverage is the customer's row of the coverage grid.
	Coverage []CoverageCell `json:"coverage"`
}

// CustomerAuthorisationsShown bounds the active authorisations a customer's page
// lists; the authorisations page lists every one.
const CustomerAuthorisationsShown = 100

// Customer reads what the console shows of customer id, with the page rows of its
// access timeline.
func (a *App) Customer(ctx context.Context, id uint, rows store.Rows) (CustomerDetail, error) {
	c, err := a.Store.Customer(ctx, id)
	if err != nil {
		return CustomerDetail{}, err
	}
	now := a.now()
	open, err := a.Store.CountFindings(ctx, store.FindingFilter{CustomerID: &id, Status: store.StatusOpen})
	if err != nil {
		return CustomerDetail{}, err
	}
	healths, err := a.Store.StreamHealths(ctx)
	if err != nil {
		return CustomerDetail{}, err
	}
	d := CustomerDetail{
		Customer: customerRow(c, int(open), summariseSources(a.enabledConnectors(), healths, &id)),
		Coverage: CoverageCells(a.enabledConnectors(), healths, id, now, a.staleAfter()),
	}
	if d.Timeline, d.TimelineTotal, err = a.timeline(ctx, id, rows); err != nil {
		return d, err
	}
	if d.Authorisations, _, err = a.AuthorisationRows(ctx, &id, false, store.Rows{Limit: CustomerAuthorisationsShown}); err != nil {
		return d, err
	}
	if d.Devices, d.TenantBackups, err = a.devices(ctx, id); err != nil {
		return d, err
	}
	d.Relationships, err = a.relationships(ctx, id)
	return d, err
}

// timeline reads a page of the customer's access events and the findings citing them.
func (a *App) timeline(ctx context.Context, id uint, rows store.Rows) ([]TimelineEvent, int64, error) {
	evs, total, err := a.Store.CustomerAccessPage(ctx, id, rows)
	if err != nil {
		return nil, 0, err
	}
	finding, err := a.Store.FindingsCitingEvents(ctx, id, evs)
	if err != nil {
		return nil, 0, err
	}
	out := make([]TimelineEvent, len(evs))
	for i := range evs {
		ev := &evs[i]
		out[i] = TimelineEvent{EventEvidence: *eventEvidence(ev), Coverage: accessCoverage(ev.AccessEvent)}
		if f, ok := finding[ev.ID]; ok {
			out[i].FindingID = &f
		}
	}
	return out, total, nil
}

// devices reads the customer's devices with their configurations' backups and their
// verified backups, and the verified backups tied to no device.
func (a *App) devices(ctx context.Context, id uint) ([]DeviceRow, []VerifiedBackupRow, error) {
	devices, err := a.Store.CustomerDevices(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	configs, err := a.Store.CustomerConfigurations(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	backups, err := a.Store.VerifiedBackups(ctx, &id, false)
	if err != nil {
		return nil, nil, err
	}
	out := make([]DeviceRow, len(devices))
	index := make(map[uint]int, len(devices))
	for i, d := range devices {
		out[i] = DeviceRow{ID: d.ID, Name: d.Name, Configurations: []ConfigurationRow{}, VerifiedBackups: []VerifiedBackupRow{}}
		index[d.ID] = i
	}
	for _, c := range configs {
		row := ConfigurationRow{ID: c.ID, Name: c.Name, Type: c.TypeName, InstalledAt: utc(c.InstalledAt), Backups: []ConfigBackupRow{}}
		for _, b := range c.Backups {
			row.Backups = append(row.Backups, ConfigBackupRow{FileName: cmp.Or(b.FileName, b.Name), Size: b.Size, CreatedAt: b.SourceCreatedAt.UTC()})
		}
		if i, ok := index[ptrValue(c.DeviceID)]; ok && c.DeviceID != nil {
			out[i].Configurations = append(out[i].Configurations, row)
			continue
		}
		out = append(out, DeviceRow{Name: c.Name, Configurations: []ConfigurationRow{row}, VerifiedBackups: []VerifiedBackupRow{}})
	}
	tenant := []VerifiedBackupRow{}
	for _, b := range backups {
		row := VerifiedBackupRow{ID: b.ID, What: b.What, TakenAt: b.TakenAt.UTC(), VerifiedAt: b.VerifiedAt.UTC(), VerifiedBy: b.VerifiedBy, Evidence: b.Evidence}
		if i, ok := index[ptrValue(b.DeviceID)]; ok && b.DeviceID != nil {
			out[i].VerifiedBackups = append(out[i].VerifiedBackups, row)
			continue
		}
		tenant = append(tenant, row)
	}
	return out, tenant, nil
}

// relationships reads the customer's GDAP relationships with their roles' names.
func (a *App) relationships(ctx context.Context, id uint) ([]RelationshipRow, error) {
	rs, err := a.Store.CustomerRelationships(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]RelationshipRow, len(rs))
	for i, r := range rs {
		roles, err := r.RoleList()
		if err != nil {
			return nil, err
		}
		row := RelationshipRow{ID: r.ID, Name: r.DisplayName, Status: r.Status, StartedAt: utc(r.StartedAt), EndsAt: utc(r.EndsAt),
			AutoExtendDays: r.AutoExtendDays, Roles: make([]string, len(roles))}
		for j, role := range roles {
			row.Roles[j] = cmp.Or(role.Name, role.ID)
		}
		out[i] = row
	}
	return out, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func ptrValue(p *uint) uint {
	if p == nil {
		return 0
	}
	return *p
}

// CustomerChoice is a customer as a form's list of customers offers it.
type CustomerChoice struct {
	ID   uint   `json:"id"`
	Name string `json:"name"`
}

// CustomerChoices lists every customer by name, for a form to pick one from.
func (a *App) CustomerChoices(ctx context.Context) ([]CustomerChoice, error) {
	cs, _, err := a.Store.CustomerSummaries(ctx, store.Rows{})
	if err != nil {
		return nil, err
	}
	out := make([]CustomerChoice, len(cs))
	for i, c := range cs {
		out[i] = CustomerChoice{ID: c.ID, Name: c.Name}
	}
	return out, nil
}
