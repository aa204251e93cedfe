package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/custos-msp/custos/vocab"
)

// FindingOrder is the order a page of findings is listed in.
type FindingOrder string

// The orders of a page of findings; every one ends with the id, so that pages never
// overlap or skip a finding between equal keys.
const (
	// OrderSeverity lists the most severe first, then the newest.
	OrderSeverity FindingOrder = "severity"
	// OrderNewest and OrderOldest list by when a finding was first seen.
	OrderNewest FindingOrder = "newest"
	OrderOldest FindingOrder = "oldest"
	// OrderLastSeen lists the findings seen most recently first.
	OrderLastSeen FindingOrder = "last_seen"
)

// FindingOrders are the orders FindingPage knows, the default first.
var FindingOrders = []FindingOrder{OrderSeverity, OrderNewest, OrderOldest, OrderLastSeen}

// severityRank ranks a severity in SQL as vocab.Severity.Rank does in Go. Migration
// 00013 indexes findings by this very expression (TestFindingPage_OrdersByAnIndex
// holds them together): a page in severity order reads the index, not every row.
var severityRank = func() string {
	var b strings.Builder
	b.WriteString("CASE findings.severity")
	for i, s := range vocab.Severities {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", s, i)
	}
	b.WriteString(" ELSE -1 END")
	return b.String()
}()

// orderBy is the SQL of o.
func (o FindingOrder) orderBy() (string, error) {
	switch o {
	case OrderSeverity, "":
		return severityRank + " DESC, findings.first_seen DESC, findings.id DESC", nil
	case OrderNewest:
		return "findings.first_seen DESC, findings.id DESC", nil
	case OrderOldest:
		return "findings.first_seen, findings.id", nil
	case OrderLastSeen:
		return "findings.last_seen DESC, findings.id DESC", nil
	}
	return "", fmt.Errorf("store: no order of findings is called %q", string(o))
}

// FindingQuery selects a page of findings; empty fields match everything.
type FindingQuery struct {
	CustomerID, TechnicianID *uint
	Rule                     string
	Severity                 vocab.Severity
	Status                   string
	// OpenedFrom and OpenedBefore bound when a finding was first seen: at or after
	// OpenedFrom, before OpenedBefore.
	OpenedFrom, OpenedBefore time.Time
	Order                    FindingOrder
	// Rows says which rows of the ordered list the page holds.
	Rows
}

// where is the query of the findings q selects.
func (q FindingQuery) where(db *gorm.DB) *gorm.DB {
	db = db.Table("findings")
	for _, c := range []struct {
		set  bool
		cond string
		arg  func() any
	}{
		{q.CustomerID != nil, "findings.customer_id = ?", func() any { return *q.CustomerID }},
		{q.TechnicianID != nil, "findings.technician_id = ?", func() any { return *q.TechnicianID }},
		{q.Rule != "", "findings.rule = ?", func() any { return q.Rule }},
		{q.Severity != "", "findings.severity = ?", func() any { return string(q.Severity) }},
		{q.Status != "", q.statusCond(), func() any { return q.Status }},
		{!q.OpenedFrom.IsZero(), "findings.first_seen >= ?", func() any { return q.OpenedFrom.UTC() }},
		{!q.OpenedBefore.IsZero(), "findings.first_seen < ?", func() any { return q.OpenedBefore.UTC() }},
	} {
		if c.set {
			db = db.Where(c.cond, c.arg())
		}
	}
	return db
}

// statusCond is the condition on the status. With a customer to keep, it is an
// expression no index serves: SQLite, which keeps no statistics here, would
// otherwise walk the status's index in page order (migration 00013) through every
// open finding until a page of the customer's turned up, where reading the
// customer's findings by its own index and sorting them is far cheaper. (A
// technician has no index of its own: the walk in page order is the cheaper.)
func (q FindingQuery) statusCond() string {
	if q.CustomerID != nil {
		return "findings.status || '' = ?"
	}
	return "findings.status = ?"
}

// FindingPage lists the page of findings q selects, in q's order, with their
// customers' names, and counts every finding q selects. The database orders and
// cuts the list, and only the page's rows are read and opened, so a page costs
// about the same with a hundred findings or a hundred thousand.
func (s *Store) FindingPage(ctx context.Context, q FindingQuery) ([]FindingView, int64, error) {
	order, err := q.Order.orderBy()
	if err != nil {
		return nil, 0, err
	}
	db := s.db.WithContext(ctx)
	var total int64
	if err := q.where(db).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("store: counting findings: %w", err)
	}
	if total == 0 || int64(q.Offset) >= total {
		return []FindingView{}, total, nil
	}
	// The ids of the page first, ordered and cut by the database without reading
	// the sealed columns of every row; then the page's rows.
	ids := q.apply(q.where(db).Select("findings.id").Order(order))
	out := []FindingView{}
	err = db.Table("findings").Select("findings.*, COALESCE(customers.name, '') AS customer_name").
		Joins("LEFT JOIN customers ON customers.id = findings.customer_id").
		Where("findings.id IN (?)", ids).Order(order).Scan(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("store: listing a page of findings: %w", err)
	}
	return out, total, nil
}

// FindingTally counts the findings of one customer (none: CustomerID nil), severity
// and status.
type FindingTally struct {
	CustomerID   *uint
	CustomerName string
	Severity     vocab.Severity
	Status       string
	Count        int
}

// FindingTallies counts the findings of each status in statuses by customer,
// severity and status, in no particular order.
func (s *Store) FindingTallies(ctx context.Context, statuses []string) ([]FindingTally, error) {
	db := s.db.WithContext(ctx)
	var out []FindingTally
	// Counted first, then named: a customer's name is joined to each count, not to
	// each finding.
	err := db.Table("(?) AS t", tallies(db, statuses)).
		Select("t.customer_id, COALESCE(customers.name, '') AS customer_name, t.severity, t.status, t.count").
		Joins("LEFT JOIN customers ON customers.id = t.customer_id").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: counting findings of %v by customer and severity: %w", statuses, err)
	}
	return out, nil
}

// tallies counts the findings of each of statuses by status, customer and
// severity, in the order of the index of migration 00013 that holds the three: the
// database counts them from the index alone.
func tallies(db *gorm.DB, statuses []string) *gorm.DB {
	return db.Table("findings").Select("status, customer_id, severity, COUNT(*) AS count").
		Where("status IN ?", statuses).Group("status, customer_id, severity")
}

// CustomerAndTechnicianNames names every customer and technician by id, for
// choosing one from a list; unlike ReadNames it leaves the devices, which can be
// many, unread (Names.Devices is empty).
func (s *Store) CustomerAndTechnicianNames(ctx context.Context) (Names, error) {
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
	return n, nil
}
