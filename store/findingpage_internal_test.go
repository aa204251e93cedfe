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
// migration 00013, without sorting every row (a TEMP B-TREE). It fails when the
// severity rank of FindingPage and the index's expression drift apart.
func TestFindingPage_OrdersByAnIndex(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, Options{Driver: "sqlite", Path: filepath.Join(t.TempDir(), "custos.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, o := range []FindingOrder{OrderSeverity, OrderNewest, OrderOldest} {
		order, err := o.orderBy()
		if err != nil {
			t.Fatal(err)
		}
		q := FindingQuery{Status: StatusOpen}
		sql := st.db.ToSQL(func(tx *gorm.DB) *gorm.DB {
			return q.where(tx).Select("findings.id").Order(order).Limit(50).Find(&[]uint{})
		})
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
		got := strings.Join(steps, "; ")
		if !strings.Contains(got, "INDEX idx_findings_page_") || strings.Contains(got, "TEMP B-TREE") {
			t.Errorf("%s: %s\nplan: %s", o, sql, got)
		}
	}
}
