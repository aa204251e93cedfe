package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/report"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// TestReport_NumbersAreARecountOfTheStore builds every demo customer's report of this
// month and the last and recounts its numbers from the store with queries of its own:
// the accesses covered (by an authorisation or a verified backup), authorised
// afterwards, checked and not covered, not yet checked; and the findings opened in
// the month (dated by the earliest access they cite, else when first seen) and open at
// its end.
func TestReport_NumbersAreARecountOfTheStore(t *testing.T) {
	_, db := demoStore(t)
	ctx := context.Background()
	st := openTestStore(t, db)
	defer st.Close()
	customers, err := st.Customers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := clock().UTC()
	this := report.Month{Year: now.Year(), Month: now.Month()}
	first, _ := this.Bounds(time.UTC)
	last := report.Month{Year: first.AddDate(0, -1, 0).Year(), Month: first.AddDate(0, -1, 0).Month()}
	checked := 0
	for _, c := range customers {
		for _, m := range []report.Month{last, this} {
			r, err := report.Build(ctx, st, c, m, report.Options{Now: now})
			if errors.Is(err, report.ErrNoData) {
				continue
			}
			if err != nil {
				t.Fatalf("%s %s: %v", c.Name, m, err)
			}
			from, to := m.Bounds(time.UTC)
			if now.Before(to) {
				to = now
			}
			count := func(where string) int {
				var n int64
				err := storetest.DB(ctx, st).Model(&store.AccessEvent{}).
					Where("customer_id = ? AND started_at >= ? AND started_at < ?", c.ID, from, to).Where(where).Count(&n).Error
				if err != nil {
					t.Fatal(err)
				}
				return int(n)
			}
			covered := "(covered_by IS NOT NULL OR backup_id IS NOT NULL)"
			late := "NOT " + covered + " AND (authorised_late_by IS NOT NULL OR late_backup_id IS NOT NULL)"
			rest := "NOT " + covered + " AND authorised_late_by IS NULL AND late_backup_id IS NULL"
			want := report.Summary{
				Accesses: count("1 = 1"), Authorised: count(covered), AuthorisedLate: count(late),
				Unauthorised: count(rest + " AND decision <> ''"), Unchecked: count(rest + " AND decision = ''"),
			}
			got := r.Summary
			if got.Accesses != want.Accesses || got.Authorised != want.Authorised || got.AuthorisedLate != want.AuthorisedLate ||
				got.Unauthorised != want.Unauthorised || got.Unchecked != want.Unchecked {
				t.Errorf("%s %s: report counts %d accesses (%d authorised, %d afterwards, %d not, %d unchecked); the store %d (%d, %d, %d, %d)",
					c.Name, m, got.Accesses, got.Authorised, got.AuthorisedLate, got.Unauthorised, got.Unchecked,
					want.Accesses, want.Authorised, want.AuthorisedLate, want.Unauthorised, want.Unchecked)
			}
			opened, openAt := recountFindings(t, st, c.ID, from, to)
			if got.Opened != opened || got.OpenAt != openAt {
				t.Errorf("%s %s: report counts %d findings opened and %d open at the end; the store %d and %d",
					c.Name, m, got.Opened, got.OpenAt, opened, openAt)
			}
			checked += want.Accesses
		}
	}
	if checked == 0 {
		t.Fatal("no demo customer has an access in the last two months: the test compares nothing")
	}
}

// recountFindings counts a customer's findings that happened in [from, to) and those
// open (or acknowledged) at to, reading the findings and the accesses they cite.
func recountFindings(t *testing.T, st *store.Store, customerID uint, from, to time.Time) (opened, openAt int) {
	t.Helper()
	ctx := context.Background()
	var findings []store.Finding
	if err := storetest.DB(ctx, st).Where("customer_id = ?", customerID).Find(&findings).Error; err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		happened := f.FirstSeen
		for _, ref := range strings.Split(f.Evidence, ",") {
			id, ok := strings.CutPrefix(ref, "access_events:")
			if !ok {
				continue
			}
			var e store.AccessEvent
			if err := storetest.DB(ctx, st).Select("started_at").Where("id = ?", id).Take(&e).Error; err == nil && e.StartedAt.Before(happened) {
				happened = e.StartedAt
			}
		}
		if !happened.Before(to) {
			continue
		}
		if !happened.Before(from) {
			opened++
		}
		resolvedBy := f.ResolvedAt != nil && f.ResolvedAt.Before(to)
		if (f.Status == store.StatusOpen || f.Status == store.StatusAcknowledged) || (f.Status == store.StatusResolved && !resolvedBy) {
			openAt++
		}
	}
	return opened, openAt
}
