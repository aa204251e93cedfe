package store

import (
	"context"
	"database/sql"
	"fmt"
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
// explanation and its finding read, in the order readAccessEvents scans them; the
// others are left unread, for speed.
const matchedEventColumns = "id, source, kind, action, detail, actor_name, started_at, ended_at, actor_ref, device_ref, device_name, " +
	"removal, attributes, customer_id, technician_id, device_id, covered_by, backup_id, decision, authorised_late_by, late_backup_id"

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
	var err error
	if ca.Events, err = s.readAccessEvents(db, customerID, r); err != nil {
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

// readAccessEvents reads the matchedEventColumns of the customer's access events
// that r says, in time order, scanning rows by hand and opening the sealed columns
// as the serializers would: gorm's reflection was a fifth of a first run.
func (s *Store) readAccessEvents(db *gorm.DB, customerID uint, r AccessRead) ([]AccessEvent, error) {
	where, args := "customer_id = ? AND started_at >= ? AND started_at >= ?", []any{customerID, r.Since.UTC(), r.Days.From.UTC()}
	if !r.Days.To.IsZero() {
		where, args = where+" AND started_at < ?", append(args, r.Days.To.UTC())
	}
	rows, err := db.Raw("SELECT "+matchedEventColumns+" FROM access_events WHERE "+where+" ORDER BY started_at, id", args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AccessEvent
	for rows.Next() {
		var (
			e                                           AccessEvent
			ended                                       sql.NullTime
			detail, actorName, actorRef, attrs, decided sql.NullString
			deviceRef, deviceName                       sql.NullString
			removal                                     sql.NullBool
			customer, technician, device                sql.NullInt64
			covered, backup, late, lateBackup           sql.NullInt64
		)
		if err := rows.Scan(&e.ID, &e.Source, &e.Kind, &e.Action, &detail, &actorName, &e.StartedAt, &ended, &actorRef,
			&deviceRef, &deviceName, &removal, &attrs, &customer, &technician, &device, &covered, &backup, &decided,
			&late, &lateBackup); err != nil {
			return nil, err
		}
		for _, c := range []struct {
			to   *string
			from sql.NullString
		}{{&e.Detail, detail}, {&e.ActorName, actorName}, {&e.ActorRef, actorRef}, {&e.Attributes, attrs}, {&e.Decision, decided}} {
			if *c.to, err = openPersonal(s.sealer, c.from.String, personalData); err != nil {
				return nil, fmt.Errorf("opening access event %d: %w", e.ID, err)
			}
		}
		if ended.Valid {
			e.EndedAt = &ended.Time
		}
		e.DeviceRef, e.DeviceName, e.Removal = deviceRef.String, deviceName.String, removal.Bool
		e.CustomerID, e.TechnicianID, e.DeviceID = optionalID(customer), optionalID(technician), optionalID(device)
		e.CoveredBy, e.BackupID = optionalID(covered), optionalID(backup)
		e.AuthorisedLateBy, e.LateBackupID = optionalID(late), optionalID(lateBackup)
		out = append(out, e)
	}
	return out, rows.Err()
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

// decisionUpdate is the columns of access events that saving decisions writes, the
// event's id first.
var decisionUpdate = bulkTable{name: "access_events", columns: []bulkColumn{
	{"id", "bigint"}, {"covered_by", "bigint"}, {"backup_id", "bigint"}, {"decision", "text"},
	{"authorised_late_by", "bigint"}, {"late_backup_id", "bigint"},
}}

// SaveDecisions records changed decisions in one transaction.
func (s *Store) SaveDecisions(ctx context.Context, updates []DecisionUpdate) error {
	if len(updates) == 0 {
		return nil
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return saveDecisions(ctx, tx, s.sealer, updates)
	})
}

// saveDecisions writes decisions in tx, many a statement (bulkTable), each
// decision's text sealed as the serializer would.
func saveDecisions(ctx context.Context, tx *gorm.DB, sealer Sealer, updates []DecisionUpdate) error {
	values := make([]any, 0, len(updates)*len(decisionUpdate.columns))
	for _, u := range updates {
		decision, err := sealPersonal(sealer, u.Decision, false, personalData)
		if err != nil {
			return fmt.Errorf("store: sealing the decision about access event %d: %w", u.EventID, err)
		}
		values = append(values, int64(u.EventID), nullID(u.CoveredBy), nullID(u.BackupID), decision, nullID(u.AuthorisedLateBy), nullID(u.LateBackupID))
	}
	if err := decisionUpdate.update(ctx, tx, values); err != nil {
		return fmt.Errorf("store: saving %d decisions about access events: %w", len(updates), err)
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
	n, err := s.CustomerAndTechnicianNames(ctx)
	if err != nil {
		return n, err
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
