package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"gorm.io/gorm"
)

// ErrNotFound is returned when a record asked for by id does not exist.
var ErrNotFound = errors.New("not found")

// AccessEventView is an access event with the names of what it is mapped to.
type AccessEventView struct {
	AccessEvent
	CustomerName   string
	TechnicianName string `gorm:"serializer:personal"`
	CanonicalName  string
}

// AccessEventsByID reads access events with their customer, technician and device
// names, in id order; ids that do not exist are left out.
func (s *Store) AccessEventsByID(ctx context.Context, ids []uint) ([]AccessEventView, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []AccessEventView
	err := accessEventViews(s.db.WithContext(ctx)).Where("access_events.id IN ?", ids).Order("access_events.id").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: reading access events %v: %w", ids, err)
	}
	return out, nil
}

// accessEventViews selects access events with the names of their customer,
// technician and device.
func accessEventViews(db *gorm.DB) *gorm.DB {
	return db.Table("access_events").
		Select("access_events.*, COALESCE(customers.name, '') AS customer_name, " +
			"COALESCE(technicians.name, '') AS technician_name, COALESCE(devices.name, '') AS canonical_name").
		Joins("LEFT JOIN customers ON customers.id = access_events.customer_id").
		Joins("LEFT JOIN technicians ON technicians.id = access_events.technician_id").
		Joins("LEFT JOIN devices ON devices.id = access_events.device_id")
}

// AuthorisationView is an authorisation with the names of what it covers.
type AuthorisationView struct {
	Authorisation
	CustomerName   string
	TechnicianName string `gorm:"serializer:personal"`
	DeviceName     string
}

// AuthorisationByID reads one authorisation with its names.
func (s *Store) AuthorisationByID(ctx context.Context, id uint) (AuthorisationView, error) {
	var out []AuthorisationView
	err := authorisationViews(s.db.WithContext(ctx)).Where("authorisations.id = ?", id).Scan(&out).Error
	if err != nil {
		return AuthorisationView{}, fmt.Errorf("store: reading authorisation %d: %w", id, err)
	}
	if len(out) == 0 {
		return AuthorisationView{}, fmt.Errorf("store: authorisation %d: %w", id, ErrNotFound)
	}
	return out[0], nil
}

// AuthorisationsByID reads authorisations with their names, in id order; ids that
// do not exist are left out.
func (s *Store) AuthorisationsByID(ctx context.Context, ids []uint) ([]AuthorisationView, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []AuthorisationView
	err := authorisationViews(s.db.WithContext(ctx)).Where("authorisations.id IN ?", ids).
		Order("authorisations.id").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: reading authorisations %v: %w", ids, err)
	}
	return out, nil
}

// FindingByRef reads one finding by its id or its fingerprint.
func (s *Store) FindingByRef(ctx context.Context, ref string) (FindingView, error) {
	q := s.db.WithContext(ctx).Table("findings").
		Select("findings.*, COALESCE(customers.name, '') AS customer_name").
		Joins("LEFT JOIN customers ON customers.id = findings.customer_id")
	if id, err := strconv.ParseUint(ref, 10, 64); err == nil {
		q = q.Where("findings.id = ?", id)
	} else {
		q = q.Where("findings.fingerprint = ?", ref)
	}
	var out []FindingView
	if err := q.Scan(&out).Error; err != nil {
		return FindingView{}, fmt.Errorf("store: reading finding %s: %w", ref, err)
	}
	if len(out) == 0 {
		return FindingView{}, fmt.Errorf("store: finding %s: %w", ref, ErrNotFound)
	}
	return out[0], nil
}

// FindingsCiting lists the findings whose evidence names ref (e.g.
// "access_events:12"), in id order.
func (s *Store) FindingsCiting(ctx context.Context, ref string) ([]Finding, error) {
	var out []Finding
	err := s.db.WithContext(ctx).Where(citing(s.db, ref)).Order("id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: finding what cites %s: %w", ref, err)
	}
	return out, nil
}

// citing matches a comma-separated evidence list that holds ref as a whole item.
func citing(db *gorm.DB, ref string) *gorm.DB {
	return db.Where("evidence = ?", ref).
		Or("evidence LIKE ?", ref+",%").
		Or("evidence LIKE ?", "%,"+ref).
		Or("evidence LIKE ?", "%,"+ref+",%")
}

// EvidenceIDs returns the ids of the records of table (e.g. "access_events") that a
// finding's evidence names, in order; other items are left out. It is Table.IDs for
// a caller that has the table's name rather than its description.
func EvidenceIDs(evidence, table string) []uint { return Table{Name: table}.IDs(evidence) }
