package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// CustomerAccess is what access reconciliation reads of one customer: its access
// events since a time and every authorisation that could cover them.
type CustomerAccess struct {
	CustomerID     uint
	Events         []AccessEvent
	Authorisations []Authorisation
	// Backups are the customer's verified backups not withdrawn, by time taken.
	Backups []VerifiedBackup
}

// AccessCustomers lists the ids of customers with access events at or after since,
// in id order.
func (s *Store) AccessCustomers(ctx context.Context, since time.Time) ([]uint, error) {
	var ids []uint
	err := s.db.WithContext(ctx).Model(&AccessEvent{}).Distinct("customer_id").
		Where("customer_id IS NOT NULL AND started_at >= ?", since.UTC()).Order("customer_id").Pluck("customer_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("store: listing customers with access events: %w", err)
	}
	return ids, nil
}

// matchedEventColumns are the columns of an access event that matching, its
// explanation and its finding read; the others are left unread, for speed.
var matchedEventColumns = []string{
	"id", "source", "kind", "action", "detail", "actor_name", "started_at", "ended_at", "actor_ref", "device_ref", "device_name", "removal",
	"attributes", "customer_id", "technician_id", "device_id", "covered_by", "backup_id", "decision",
	"authorised_late_by", "late_backup_id",
}

// DaySpan is a span of whole UTC days: From (a midnight) up to To (a later
// midnight, not included); a zero To has no end. The zero DaySpan is every day.
type DaySpan struct {
	From, To time.Time
}

// Contains says whether day ("2006-01-02") is in the span.
func (d DaySpan) Contains(day string) bool {
	return day >= d.From.UTC().Format(time.DateOnly) && (d.To.IsZero() || day < d.To.UTC().Format(time.DateOnly))
}

// String names the span's days: "2026-10-30..2026-10-31", or "2026-10-30.." with no end.
func (d DaySpan) String() string {
	s := d.From.UTC().Format(time.DateOnly) + ".."
	if !d.To.IsZero() {
		s += d.To.UTC().Add(-24 * time.Hour).Format(time.DateOnly)
	}
	return s
}

// AccessRead says which of a customer's access events ReadCustomerAccess reads.
type AccessRead struct {
	// Since: the events that started at or after it, and the authorisations still
	// valid then (or standing).
	Since time.Time
	// Days: the events that started on its days. With a start, of the
	// authorisations only those that can decide these events are read: those that
	// end (valid_to) GraceAfter before its start or later, or are standing,
	// revoked or begin on its days or later, and of each technician's that ended
	// before, the last (which an uncovered access names).
	Days       DaySpan
	GraceAfter time.Duration
}

// ReadCustomerAccess reads one customer's access events that r says (only the
// columns matching needs), the authorisations that can decide them and the
// customer's verified backups, so that the caller holds one customer at a time.
func (s *Store) ReadCustomerAccess(ctx context.Context, customerID uint, r AccessRead) (CustomerAccess, error) {
	ca := CustomerAccess{CustomerID: customerID}
	db := s.db.WithContext(ctx)
	events := db.Select(matchedEventColumns).Where("customer_id = ? AND started_at >= ? AND started_at >= ?", customerID, r.Since.UTC(), r.Days.From.UTC())
	if !r.Days.To.IsZero() {
		events = events.Where("started_at < ?", r.Days.To.UTC())
	}
	err := events.Order("started_at, id").Find(&ca.Events).Error
	if err != nil {
		return ca, fmt.Errorf("store: reading access events of customer %d: %w", customerID, err)
	}
	grants := db.Where("customer_id = ? AND removed_at IS NULL AND (valid_to IS NULL OR valid_to >= ?)", customerID, r.Since.UTC())
	if !r.Days.From.IsZero() {
		cut := r.Days.From.Add(-r.GraceAfter).UTC()
		// Of each technician's that ended before cut, the last, or rather every
		// one that ended no earlier than the earliest of those lasts.
		grants = grants.Where("valid_to IS NULL OR revoked_at IS NOT NULL OR valid_from >= ? OR valid_to >= ? OR valid_to >= "+
			"(SELECT MIN(m) FROM (SELECT MAX(valid_to) AS m FROM authorisations WHERE customer_id = ? AND removed_at IS NULL "+
			"AND revoked_at IS NULL AND valid_to < ? GROUP BY technician_id) AS last)", r.Days.From.UTC(), cut, customerID, cut)
	}
	err = grants.Order("valid_from, id").Find(&ca.Authorisations).Error
	if err != nil {
		return ca, fmt.Errorf("store: reading authorisations of customer %d: %w", customerID, err)
	}
	err = db.Where("customer_id = ? AND withdrawn_at IS NULL", customerID).Order("taken_at, id").Find(&ca.Backups).Error
	if err != nil {
		return ca, fmt.Errorf("store: reading verified backups of customer %d: %w", customerID, err)
	}
	return ca, nil
}

// DecisionUpdate is a changed decision about one access event: the columns of
// AccessEvent that reconcile writes.
type DecisionUpdate struct {
	EventID          uint
	CoveredBy        *uint
	BackupID         *uint
	Decision         string
	AuthorisedLateBy *uint
	LateBackupID     *uint
}

// decisionBatch is how many decisions one PostgreSQL UPDATE statement writes.
const decisionBatch = 500

// SaveDecisions records changed decisions in one transaction. PostgreSQL gets a
// batch of rows per statement, an UPDATE joined to the rows as a VALUES list;
// SQLite, where a statement costs no round trip but its planner scans for such a
// join, gets one prepared UPDATE by id run once per row.
func (s *Store) SaveDecisions(ctx context.Context, updates []DecisionUpdate) error {
	if len(updates) == 0 {
		return nil
	}
	sealed := make([]DecisionUpdate, len(updates))
	for i, u := range updates {
		var err error
		if u.Decision, err = sealPersonal(s.sealer, u.Decision, false, personalData); err != nil {
			return fmt.Errorf("store: sealing the decision about access event %d: %w", u.EventID, err)
		}
		sealed[i] = u
	}
	updates = sealed
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if tx.Dialector.Name() == "postgres" {
			return saveDecisionBatches(tx, updates)
		}
		return saveDecisionRows(ctx, tx, updates)
	})
}

func saveDecisionBatches(tx *gorm.DB, updates []DecisionUpdate) error {
	for batch := range slices.Chunk(updates, decisionBatch) {
		var sql strings.Builder
		sql.WriteString("WITH d(id, covered_by, backup_id, decision, authorised_late_by, late_backup_id) AS (VALUES ")
		args := make([]any, 0, 6*len(batch))
		for i, u := range batch {
			if i > 0 {
				sql.WriteString(", ")
			}
			sql.WriteString("(CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), ?, CAST(? AS BIGINT), CAST(? AS BIGINT))")
			args = append(args, u.EventID, u.CoveredBy, u.BackupID, u.Decision, u.AuthorisedLateBy, u.LateBackupID)
		}
		sql.WriteString(") UPDATE access_events SET covered_by = d.covered_by, backup_id = d.backup_id, decision = d.decision, " +
			"authorised_late_by = d.authorised_late_by, late_backup_id = d.late_backup_id FROM d WHERE access_events.id = d.id")
		if err := tx.Exec(sql.String(), args...).Error; err != nil {
			return fmt.Errorf("store: saving the decisions about access events %d to %d: %w", batch[0].EventID, batch[len(batch)-1].EventID, err)
		}
	}
	return nil
}

func saveDecisionRows(ctx context.Context, tx *gorm.DB, updates []DecisionUpdate) error {
	stmt, err := tx.Statement.ConnPool.PrepareContext(ctx, "UPDATE access_events SET covered_by = ?, backup_id = ?, decision = ?, authorised_late_by = ?, late_backup_id = ? WHERE id = ?")
	if err != nil {
		return fmt.Errorf("store: preparing to save decisions: %w", err)
	}
	defer stmt.Close()
	for _, u := range updates {
		if _, err := stmt.ExecContext(ctx, nullID(u.CoveredBy), nullID(u.BackupID), u.Decision, nullID(u.AuthorisedLateBy), nullID(u.LateBackupID), int64(u.EventID)); err != nil {
			return fmt.Errorf("store: saving the decision about access event %d: %w", u.EventID, err)
		}
	}
	return nil
}

// nullID is an optional id as a statement argument.
func nullID(id *uint) any {
	if id == nil {
		return nil
	}
	return int64(*id)
}

// Names maps canonical ids to display names, for explanations and summaries.
type Names struct {
	Customers   map[uint]string
	Technicians map[uint]string
	Devices     map[uint]string
}

// ReadNames loads the names of every customer, technician and device.
func (s *Store) ReadNames(ctx context.Context) (Names, error) {
	n := Names{Customers: map[uint]string{}, Technicians: map[uint]string{}, Devices: map[uint]string{}}
	var customers []Customer
	if err := s.db.WithContext(ctx).Select("id", "name").Find(&customers).Error; err != nil {
		return n, fmt.Errorf("store: reading customer names: %w", err)
	}
	for _, c := range customers {
		n.Customers[c.ID] = c.Name
	}
	var techs []Technician
	if err := s.db.WithContext(ctx).Select("id", "name").Find(&techs).Error; err != nil {
		return n, fmt.Errorf("store: reading technician names: %w", err)
	}
	for _, t := range techs {
		n.Technicians[t.ID] = t.Name
	}
	var devices []Device
	if err := s.db.WithContext(ctx).Select("id", "name").Find(&devices).Error; err != nil {
		return n, fmt.Errorf("store: reading device names: %w", err)
	}
	for _, d := range devices {
		n.Devices[d.ID] = d.Name
	}
	return n, nil
}

// StandingDevices returns the devices that have a standing permission (no end, not
// revoked) of scope remote or any: an unattended agent on one is approved.
func (s *Store) StandingDevices(ctx context.Context) (map[uint]bool, error) {
	var ids []uint
	err := s.db.WithContext(ctx).Model(&Authorisation{}).
		Where("device_id IS NOT NULL AND valid_to IS NULL AND revoked_at IS NULL AND removed_at IS NULL AND access_scope IN ?", []string{"remote", "any"}).
		Pluck("device_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("store: reading standing permissions: %w", err)
	}
	out := make(map[uint]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// CheckedAuthorisation is an authorisation that rules check, with its customer's name.
type CheckedAuthorisation struct {
	Authorisation
	CustomerName string
}

// CheckedAuthorisations lists the authorisations not revoked nor removed at their
// source, of known customers (of those listed, unless customers is nil), ordered by id, with the columns the rules read (id,
// source and source id, scope, valid from, granted by, the canonical ids). It scans
// rows by hand, opening the two sealed columns itself: with gorm's reflection the
// read of 100,000 authorisations took seconds.
func (s *Store) CheckedAuthorisations(ctx context.Context, customers []uint) ([]CheckedAuthorisation, error) {
	query := "SELECT a.id, a.source, a.source_id, a.access_scope, a.valid_from, a.granted_by, " +
		"a.granted_by_ref, a.customer_id, a.technician_id, a.device_id, c.name FROM authorisations a JOIN customers c ON c.id = a.customer_id " +
		"WHERE a.revoked_at IS NULL AND a.removed_at IS NULL"
	var args []any
	switch {
	case customers == nil:
	case len(customers) == 0:
		return nil, nil
	default:
		query += " AND a.customer_id IN ?"
		args = append(args, customers)
	}
	rows, err := s.db.WithContext(ctx).Raw(query+" ORDER BY a.id", args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("store: reading authorisations: %w", err)
	}
	defer rows.Close()
	var out []CheckedAuthorisation
	for rows.Next() {
		var (
			a                     CheckedAuthorisation
			grantedBy, grantedRef sql.NullString
			technician, device    sql.NullInt64
		)
		if err := rows.Scan(&a.ID, &a.Source, &a.SourceID, &a.AccessScope, &a.ValidFrom, &grantedBy, &grantedRef,
			&a.CustomerID, &technician, &device, &a.CustomerName); err != nil {
			return nil, fmt.Errorf("store: reading authorisations: %w", err)
		}
		if a.GrantedBy, err = openPersonal(s.sealer, grantedBy.String, personalData); err != nil {
			return nil, fmt.Errorf("store: opening who granted authorisation %d: %w", a.ID, err)
		}
		if a.GrantedByRef, err = openPersonal(s.sealer, grantedRef.String, personalData); err != nil {
			return nil, fmt.Errorf("store: opening who granted authorisation %d: %w", a.ID, err)
		}
		a.TechnicianID, a.DeviceID = optionalID(technician), optionalID(device)
		a.ValidFrom = a.ValidFrom.UTC()
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading authorisations: %w", err)
	}
	return out, nil
}

// optionalID is a nullable id column as an optional id.
func optionalID(v sql.NullInt64) *uint {
	if !v.Valid {
		return nil
	}
	id := uint(v.Int64)
	return &id
}

// AuthorisationContacts returns, by customer, the active contacts who may authorise
// access.
func (s *Store) AuthorisationContacts(ctx context.Context) (map[uint][]Contact, error) {
	var rows []Contact
	err := s.db.WithContext(ctx).Where("customer_id IS NOT NULL AND authorised = ? AND active = ? AND removed_at IS NULL", true, true).
		Order("id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: reading authorisation contacts: %w", err)
	}
	out := map[uint][]Contact{}
	for _, c := range rows {
		out[*c.CustomerID] = append(out[*c.CustomerID], c)
	}
	return out, nil
}
