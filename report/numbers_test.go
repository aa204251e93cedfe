package report_test

import (
	"testing"

	"github.com/custos-msp/custos/report"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
	"github.com/custos-msp/custos/vocab"
)

// TestBuild_NumbersAgreeWithStore recomputes the report's numbers from the stored
// events and findings with queries of its own, and compares.
func TestBuild_NumbersAgreeWithStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		r := build(t, st, report.VariantCustomer)
		db := storetest.DB(ctx, st)
		var c store.Customer
		if err := db.Where("name = ?", "Contoso Ltd").First(&c).Error; err != nil {
			t.Fatal(err)
		}
		from, to := october.UTC(), november.UTC()

		count := func(where string, args ...any) int {
			t.Helper()
			var n int64
			q := db.Model(&store.AccessEvent{}).Where("customer_id = ? AND started_at >= ? AND started_at < ?", c.ID, from, to)
			if err := q.Where(where, args...).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return int(n)
		}
		all := count("1 = 1")
		covered := count("covered_by IS NOT NULL OR backup_id IS NOT NULL")
		late := count("authorised_late_by IS NOT NULL OR late_backup_id IS NOT NULL")
		unchecked := count("covered_by IS NULL AND backup_id IS NULL AND decision = ''")
		if r.Summary.Accesses != all || r.Summary.Authorised != covered || r.Summary.AuthorisedLate != late || r.Summary.Unchecked != unchecked ||
			r.Summary.Unauthorised != all-covered-late-unchecked {
			t.Errorf("report: %d accesses, %d authorised, %d afterwards, %d not, %d unchecked; store: %d, %d, %d, %d, %d",
				r.Summary.Accesses, r.Summary.Authorised, r.Summary.AuthorisedLate, r.Summary.Unauthorised, r.Summary.Unchecked,
				all, covered, late, all-covered-late-unchecked, unchecked)
		}
		for _, k := range r.Summary.ByKind {
			if got := count("kind = ?", k.Kind); got != k.Total {
				t.Errorf("%s: report %d, store %d", k.Kind, k.Total, got)
			}
			if got := count("kind = ? AND (covered_by IS NOT NULL OR backup_id IS NOT NULL)", k.Kind); got != k.Authorised {
				t.Errorf("%s authorised: report %d, store %d", k.Kind, k.Authorised, got)
			}
		}
		if len(r.Accesses) != all {
			t.Errorf("the report lists %d accesses, the store has %d", len(r.Accesses), all)
		}

		// Findings: opened in the month; resolved in the month; open at its end
		// (first seen before it ended, not suppressed, and not resolved by then).
		findings := func(where string, args ...any) map[vocab.Severity]int {
			t.Helper()
			var rows []struct {
				Severity vocab.Severity
				N        int
			}
			err := db.Model(&store.Finding{}).Select("severity, COUNT(*) AS n").Where("customer_id = ?", c.ID).
				Where(where, args...).Group("severity").Scan(&rows).Error
			if err != nil {
				t.Fatal(err)
			}
			out := map[vocab.Severity]int{}
			for _, row := range rows {
				out[row.Severity] = row.N
			}
			return out
		}
		opened := findings("first_seen >= ? AND first_seen < ?", from, to)
		resolved := findings("resolved_at >= ? AND resolved_at < ?", from, to)
		openAt := findings("first_seen < ? AND status <> ? AND (resolved_at IS NULL OR resolved_at >= ?)", to, store.StatusSuppressed, to)
		totals := [3]int{}
		for _, s := range r.Summary.Findings {
			if s.Opened != opened[s.Severity] || s.Resolved != resolved[s.Severity] || s.OpenAt != openAt[s.Severity] {
				t.Errorf("%s: report %d opened, %d resolved, %d open; store %d, %d, %d",
					s.Severity, s.Opened, s.Resolved, s.OpenAt, opened[s.Severity], resolved[s.Severity], openAt[s.Severity])
			}
			totals[0] += opened[s.Severity]
			totals[1] += resolved[s.Severity]
			totals[2] += openAt[s.Severity]
		}
		if got := [3]int{r.Summary.Opened, r.Summary.Resolved, r.Summary.OpenAt}; got != totals {
			t.Errorf("finding totals: report %v, store %v", got, totals)
		}
		// The fixed month is not empty, so the comparison above compared something.
		if all == 0 || totals[0] == 0 || totals[1] == 0 || totals[2] == 0 {
			t.Errorf("seed gives nothing to compare: %d accesses, findings %v", all, totals)
		}
		days := 0
		for _, d := range r.Days {
			days += d.Authorised + d.Other
		}
		if days != all {
			t.Errorf("the access chart counts %d, the store %d", days, all)
		}
	})
}
