package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"gorm.io/gorm"
)

// TestFindingPage_OrdersByAnIndex asks SQLite how it would read the ids of a page of
// open findings in each order the console offers first: through an index of
// migration 00013, without sorting every row (a TEMP B-TREE); a customer's through
// the customer's index; and the overview's counts from their index alone. It fails
// when the severity rank of FindingPage and the index's expression drift apart.
func TestFindingPage_OrdersByAnIndex(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, Options{Driver: "sqlite", Path: filepath.Join(t.TempDir(), "custos.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	customer := uint(7)
	for _, c := range []struct {
		q FindingQuery
		// index is the index the plan must use; sorted, whether it may sort.
		index  string
		sorted bool
	}{
		{FindingQuery{Status: StatusOpen, Order: OrderSeverity}, "INDEX idx_findings_page_severity", false},
		{FindingQuery{Status: StatusOpen, Order: OrderNewest}, "INDEX idx_findings_page_first_seen", false},
		{FindingQuery{Status: StatusOpen, Order: OrderOldest}, "INDEX idx_findings_page_first_seen", false},
		{FindingQuery{Status: StatusOpen, Order: OrderOldest, CustomerID: &customer}, "INDEX idx_findings_customer", true},
	} {
		order, err := c.q.Order.orderBy()
		if err != nil {
			t.Fatal(err)
		}
		sql, got := queryPlan(t, st, func(tx *gorm.DB) *gorm.DB {
			return c.q.where(tx).Select("findings.id").Order(order).Limit(50).Find(&[]uint{})
		})
		if !strings.Contains(got, c.index) || (!c.sorted && strings.Contains(got, "TEMP B-TREE")) {
			t.Errorf("%s\nplan: %s\nwant it to use %s", sql, got, c.index)
		}
	}
	sql, got := queryPlan(t, st, func(tx *gorm.DB) *gorm.DB {
		return tallies(tx, []string{StatusOpen, StatusAcknowledged}).Find(&[]FindingTally{})
	})
	if !strings.Contains(got, "COVERING INDEX idx_findings_tally") || strings.Contains(got, "TEMP B-TREE") {
		t.Errorf("%s\nplan: %s\nwant it to count from idx_findings_tally alone", sql, got)
	}
}

// queryPlan returns the SQL of the query q makes and SQLite's plan for it, its steps
// joined by "; ".
func queryPlan(t *testing.T, st *Store, q func(*gorm.DB) *gorm.DB) (string, string) {
	t.Helper()
	sql := st.db.ToSQL(q)
	var plan []struct {
		ID, Parent, Notused int
		Detail              string
	}
	if err := st.db.Raw("EXPLAIN QUERY PLAN " + sql).Scan(&plan).Error; err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, p := range plan {
		steps = append(steps, p.Detail)
	}
	return sql, strings.Join(steps, "; ")
}
