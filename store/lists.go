package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Rows is which rows of a long list a query returns: at most Limit rows (every row
// when 0) after skipping Offset.
type Rows struct {
	Limit, Offset int
}

func (p Rows) apply(q *gorm.DB) *gorm.DB {
	if p.Limit > 0 {
		q = q.Limit(p.Limit)
	}
	if p.Offset > 0 {
		q = q.Offset(p.Offset)
	}
	return q
}

// CustomerSummary is a customer with how many of its findings are open.
type CustomerSummary struct {
	Customer
	OpenFindings int
}

// CustomerSummaries lists a page of the customers by name, each with its number of
// open findings, and how many customers there are.
func (s *Store) CustomerSummaries(ctx context.Context, p Rows) ([]CustomerSummary, int64, error) {
	db := s.db.WithContext(ctx)
	var total int64
	if err := db.Model(&Customer{}).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("store: counting customers: %w", err)
	}
	open := db.Model(&Finding{}).Select("COUNT(*)").Where("findings.customer_id = customers.id AND findings.status = ?", StatusOpen)
	var out []CustomerSummary
	err := p.apply(db.Model(&Customer{}).Select("customers.*, (?) AS open_findings", open).Order("customers.name, customers.id")).
		Scan(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("store: listing customers: %w", err)
	}
	return out, total, nil
}

// Customer reads the customer id; the error wraps ErrNotFound when there is none.
func (s *Store) Customer(ctx context.Context, id uint) (Customer, error) {
	var c Customer
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&c).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return c, fmt.Errorf("store: customer %d: %w", id, ErrNotFound)
	case err != nil:
		return c, fmt.Errorf("store: reading customer %d: %w", id, err)
	}
	return c, nil
}

// CustomerAccessPage lists a page of the customer's access events, newest first,
// with the names of what they are mapped to, and how many the customer has.
func (s *Store) CustomerAccessPage(ctx context.Context, customerID uint, p Rows) ([]AccessEventView, int64, error) {
	db := s.db.WithContext(ctx)
	var total int64
	if err := db.Model(&AccessEvent{}).Where("customer_id = ?", customerID).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("store: counting the access events of customer %d: %w", customerID, err)
	}
	// The page's ids are found in the index on (customer_id, started_at) first, and
	// only its rows read whole: an offset deep in the list skips index entries, not
	// rows.
	ids := p.apply(db.Model(&AccessEvent{}).Select("id").Where("customer_id = ?", customerID).Order("started_at DESC, id DESC"))
	var out []AccessEventView
	err := accessEventViews(db).Where("access_events.id IN (?)", ids).
		Order("access_events.started_at DESC, access_events.id DESC").Scan(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("store: reading the access events of customer %d: %w", customerID, err)
	}
	return out, total, nil
}

// FindingsCitingEvents maps each of the access events that one of the customer's
// findings cites to the first such finding's id. It reads the id and evidence of
// the findings of the events' days (an access finding's day is its events') and of
// those about no one day, through the index on (customer_id, day), and reads their
// evidence lists itself: a pattern per event would have the database match every
// one of those findings against each.
func (s *Store) FindingsCitingEvents(ctx context.Context, customerID uint, events []AccessEventView) (map[uint]uint, error) {
	out := map[uint]uint{}
	if len(events) == 0 {
		return out, nil
	}
	days := []string{""}
	wanted := make(map[uint]bool, len(events))
	for _, ev := range events {
		if day := ev.StartedAt.UTC().Format(time.DateOnly); !slices.Contains(days, day) {
			days = append(days, day)
		}
		wanted[ev.ID] = true
	}
	table := TableOf[AccessEvent]()
	var rows []Finding
	err := s.db.WithContext(ctx).Model(&Finding{}).Select("id, evidence").
		Where("customer_id = ? AND day IN ? AND evidence LIKE ?", customerID, days, "%"+table.Name+":%").
		Order("id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: finding what cites the access events of customer %d: %w", customerID, err)
	}
	for _, f := range rows {
		for _, id := range table.IDs(f.Evidence) {
			if _, seen := out[id]; wanted[id] && !seen {
				out[id] = f.ID
			}
		}
	}
	return out, nil
}

// AuthorisationQuery says which authorisations AuthorisationsPage lists.
type AuthorisationQuery struct {
	// CustomerID keeps one customer's; nil for every customer's.
	CustomerID *uint
	// ActiveAt, when set, keeps those active at that moment: started, not ended and
	// not revoked.
	ActiveAt *time.Time
}

// AuthorisationsPage lists a page of the authorisations q selects, with their names,
// newest start first, and how many it selects.
func (s *Store) AuthorisationsPage(ctx context.Context, q AuthorisationQuery, p Rows) ([]AuthorisationView, int64, error) {
	where := func(db *gorm.DB) *gorm.DB {
		if q.CustomerID != nil {
			db = db.Where("authorisations.customer_id = ?", *q.CustomerID)
		}
		if q.ActiveAt != nil {
			at := q.ActiveAt.UTC()
			db = db.Where("authorisations.valid_from <= ? AND (authorisations.valid_to IS NULL OR authorisations.valid_to > ?) "+
				"AND (authorisations.revoked_at IS NULL OR authorisations.revoked_at > ?)", at, at, at)
		}
		return db
	}
	db := s.db.WithContext(ctx)
	var total int64
	if err := where(db.Model(&Authorisation{})).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("store: counting authorisations: %w", err)
	}
	var out []AuthorisationView
	err := p.apply(where(authorisationViews(db)).Order("authorisations.valid_from DESC, authorisations.id DESC")).Scan(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("store: listing authorisations: %w", err)
	}
	return out, total, nil
}

// ExclusionsPage lists a page of the exclusions, newest first (only those in force at
// now unless all), and how many there are.
func (s *Store) ExclusionsPage(ctx context.Context, now time.Time, all bool, p Rows) ([]Exclusion, int64, error) {
	db := s.db.WithContext(ctx)
	var total int64
	if err := exclusionsInForce(db.Model(&Exclusion{}), now, all).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("store: counting exclusions: %w", err)
	}
	var out []Exclusion
	if err := p.apply(exclusionsInForce(db, now, all).Order("id DESC")).Find(&out).Error; err != nil {
		return nil, 0, fmt.Errorf("store: listing exclusions: %w", err)
	}
	return out, total, nil
}

// CustomerDevices lists the customer's canonical devices by name.
func (s *Store) CustomerDevices(ctx context.Context, customerID uint) ([]Device, error) {
	var out []Device
	if err := s.db.WithContext(ctx).Where("customer_id = ?", customerID).Order("name, id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: reading the devices of customer %d: %w", customerID, err)
	}
	return out, nil
}

// CustomerRelationships lists the customer's GDAP relationships that the latest
// snapshot still lists, newest start first.
func (s *Store) CustomerRelationships(ctx context.Context, customerID uint) ([]Relationship, error) {
	var out []Relationship
	err := s.db.WithContext(ctx).Where("customer_id = ? AND removed_at IS NULL", customerID).
		Order("started_at DESC, id DESC").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: reading the relationships of customer %d: %w", customerID, err)
	}
	return out, nil
}

// ReportQuery says which archived reports ReportArchivePage lists; an empty field
// keeps every value.
type ReportQuery struct {
	CustomerID             *uint
	Month, Format, Variant string
}

// ReportArchiveView is an archived rendering with its customer's name.
type ReportArchiveView struct {
	ReportArchive
	CustomerName string
}

// ReportArchivePage lists a page of the archived reports q selects, newest first,
// and how many it selects.
func (s *Store) ReportArchivePage(ctx context.Context, q ReportQuery, p Rows) ([]ReportArchiveView, int64, error) {
	where := func(db *gorm.DB) *gorm.DB {
		if q.CustomerID != nil {
			db = db.Where("report_archives.customer_id = ?", *q.CustomerID)
		}
		for _, f := range []struct{ column, value string }{
			{"month", q.Month}, {"format", q.Format}, {"variant", q.Variant},
		} {
			if f.value != "" {
				db = db.Where("report_archives."+f.column+" = ?", strings.TrimSpace(f.value))
			}
		}
		return db
	}
	db := s.db.WithContext(ctx)
	var total int64
	if err := where(db.Model(&ReportArchive{})).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("store: counting archived reports: %w", err)
	}
	var out []ReportArchiveView
	err := p.apply(where(db.Table("report_archives").
		Select("report_archives.*, COALESCE(customers.name, '') AS customer_name").
		Joins("LEFT JOIN customers ON customers.id = report_archives.customer_id")).
		Order("report_archives.created_at DESC, report_archives.id DESC")).Scan(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("store: listing archived reports: %w", err)
	}
	return out, total, nil
}

// ReportArchiveByID reads one archived rendering with its customer's name; the error
// wraps ErrNotFound when there is none.
func (s *Store) ReportArchiveByID(ctx context.Context, id uint) (ReportArchiveView, error) {
	var out []ReportArchiveView
	err := s.db.WithContext(ctx).Table("report_archives").
		Select("report_archives.*, COALESCE(customers.name, '') AS customer_name").
		Joins("LEFT JOIN customers ON customers.id = report_archives.customer_id").
		Where("report_archives.id = ?", id).Scan(&out).Error
	if err != nil {
		return ReportArchiveView{}, fmt.Errorf("store: reading archived report %d: %w", id, err)
	}
	if len(out) == 0 {
		return ReportArchiveView{}, fmt.Errorf("store: archived report %d: %w", id, ErrNotFound)
	}
	return out[0], nil
}
