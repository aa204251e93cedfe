package store_test

import (
	"errors"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// TestConsoleLists_PageInTheDatabase: each list the console shows returns the page
// asked for, in its order, with the count of the whole list and only the rows its
// filter keeps.
func TestConsoleLists_PageInTheDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		db := storetest.DB(ctx, st)
		customers := []store.Customer{{Name: "Beta", Key: "beta", Status: store.CustomerActive}, {Name: "Alpha", Key: "alpha", Status: store.CustomerActive}}
		if err := db.Create(&customers).Error; err != nil {
			t.Fatal(err)
		}
		beta, alpha := customers[0].ID, customers[1].ID
		var events []store.AccessEvent
		for i := range 12 {
			events = append(events, store.AccessEvent{Pulled: store.Pulled{Source: "s", SourceID: fmt.Sprint(i), Stream: "s", Scope: "s", SeenAt: t0},
				Kind: "session", Action: "connect", StartedAt: t0.Add(time.Duration(i) * time.Hour), CustomerID: &beta, ActorName: fmt.Sprint("tech ", i)})
		}
		events[11].CustomerID = &alpha
		if err := db.Create(&events).Error; err != nil {
			t.Fatal(err)
		}
		findings := []store.Finding{
			{Rule: "R", Fingerprint: "a", Subject: "a", CustomerID: &beta, Severity: "high", Summary: "a", Status: store.StatusOpen,
				Evidence: fmt.Sprintf("access_events:%d,access_events:%d", events[1].ID, events[10].ID)},
			{Rule: "R", Fingerprint: "b", Subject: "b", CustomerID: &beta, Severity: "high", Summary: "b", Status: store.StatusResolved,
				Evidence: fmt.Sprintf("access_events:%d0", events[0].ID)},
		}
		if err := db.Create(&findings).Error; err != nil {
			t.Fatal(err)
		}

		sums, total, err := st.CustomerSummaries(ctx, store.Rows{Limit: 1})
		if err != nil || total != 2 || len(sums) != 1 || sums[0].Name != "Alpha" || sums[0].OpenFindings != 0 {
			t.Errorf("first customer page = %+v, %d, %v; want Alpha alone of 2", sums, total, err)
		}
		if sums, _, _ = st.CustomerSummaries(ctx, store.Rows{Limit: 1, Offset: 1}); len(sums) != 1 || sums[0].OpenFindings != 1 {
			t.Errorf("second customer page = %+v, want Beta with 1 open finding", sums)
		}

		page, total, err := st.CustomerAccessPage(ctx, beta, store.Rows{Limit: 4, Offset: 4})
		if err != nil || total != 11 || len(page) != 4 {
			t.Fatalf("access page = %d rows of %d, %v; want 4 of 11", len(page), total, err)
		}
		if page[0].ID != events[6].ID || page[3].ID != events[3].ID || page[0].CustomerName != "Beta" || page[0].ActorName != "tech 6" {
			t.Errorf("access page holds %d..%d (%s, %q), want events %d..%d newest first, with names opened",
				page[0].ID, page[3].ID, page[0].CustomerName, page[0].ActorName, events[6].ID, events[3].ID)
		}

		cited := []store.AccessEventView{{AccessEvent: events[0]}, {AccessEvent: events[10]}}
		citing, err := st.FindingsCitingEvents(ctx, beta, cited)
		want := map[uint]uint{events[10].ID: findings[0].ID}
		if err != nil || !maps.Equal(citing, want) {
			t.Errorf("findings citing events %d and %d = %v, %v; want %v (b cites another id that starts alike)", events[0].ID, events[10].ID, citing, err, want)
		}
		if citing, _ = st.FindingsCitingEvents(ctx, alpha, cited); len(citing) != 0 {
			t.Errorf("findings of another customer citing them = %v", citing)
		}
		// An access finding is read on its events' days only.
		if err := db.Model(&store.Finding{}).Where("fingerprint = ?", "a").Update("day", "2020-01-01").Error; err != nil {
			t.Fatal(err)
		}
		if citing, _ = st.FindingsCitingEvents(ctx, beta, cited); len(citing) != 0 {
			t.Errorf("a finding of another day was read: %v", citing)
		}
	})
}

func TestAuthorisationsAndExclusionsPage_KeepThoseInForce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		db := storetest.DB(ctx, st)
		c := store.Customer{Name: "Alpha", Key: "alpha"}
		if err := db.Create(&c).Error; err != nil {
			t.Fatal(err)
		}
		now := t0.Add(48 * time.Hour)
		end, revoked := now.Add(-time.Hour), now.Add(-time.Minute)
		auths := []struct {
			name     string
			from     time.Time
			to       *time.Time
			revoked  *time.Time
			customer *uint
			active   bool
		}{
			{"standing", t0, nil, nil, &c.ID, true},
			{"ended", t0, &end, nil, &c.ID, false},
			{"revoked", t0, nil, &revoked, &c.ID, false},
			{"upcoming", now.Add(time.Hour), nil, nil, &c.ID, false},
			{"another customer's", t0, nil, nil, nil, true},
		}
		for i, a := range auths {
			row := store.Authorisation{Pulled: store.Pulled{Source: "register", SourceID: a.name, Stream: "register", Scope: "register", SeenAt: t0},
				AccessScope: "remote", ValidFrom: a.from, ValidTo: a.to, RevokedAt: a.revoked, CustomerID: a.customer, GrantedBy: "g", RecordedAt: t0.Add(time.Duration(i))}
			if err := st.RecordAuthorisation(ctx, &row); err != nil {
				t.Fatal(err)
			}
		}
		views, total, err := st.AuthorisationsPage(ctx, store.AuthorisationQuery{CustomerID: &c.ID, ActiveAt: &now}, store.Rows{Limit: 10})
		if err != nil || total != 1 || len(views) != 1 || views[0].SourceID != "standing" || views[0].GrantedBy != "g" {
			t.Errorf("active authorisations of Alpha = %+v (%d), %v; want the standing one", views, total, err)
		}
		if _, total, _ = st.AuthorisationsPage(ctx, store.AuthorisationQuery{CustomerID: &c.ID}, store.Rows{Limit: 2}); total != 4 {
			t.Errorf("every authorisation of Alpha: %d, want 4", total)
		}

		for i, x := range []store.Exclusion{
			{Rule: "R", Reason: "r", Owner: "o", ExpiresAt: now.Add(time.Hour)},
			{Rule: "R", Reason: "r", Owner: "o", ExpiresAt: now.Add(time.Hour)},
			{Rule: "R", Reason: "r", Owner: "o", ExpiresAt: now.Add(2 * time.Hour)},
		} {
			if err := st.AddExclusion(ctx, &x, t0); err != nil {
				t.Fatal(err)
			}
			if i == 1 {
				if err := st.EndExclusion(ctx, x.ID, "o", t0); err != nil {
					t.Fatal(err)
				}
			}
		}
		xs, total, err := st.ExclusionsPage(ctx, now, false, store.Rows{Limit: 1})
		if err != nil || total != 2 || len(xs) != 1 || !xs[0].ExpiresAt.Equal(now.Add(2*time.Hour)) {
			t.Errorf("exclusions in force = %+v (%d), %v; want the newest of 2", xs, total, err)
		}
		if _, total, _ = st.ExclusionsPage(ctx, now, true, store.Rows{}); total != 3 {
			t.Errorf("every exclusion: %d, want 3", total)
		}
	})
}

func TestReportArchivePage_FiltersAndReadsOne(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		db := storetest.DB(ctx, st)
		c := store.Customer{Name: "Alpha", Key: "alpha"}
		if err := db.Create(&c).Error; err != nil {
			t.Fatal(err)
		}
		for i, r := range []store.ReportArchive{
			{Month: "2026-10", Format: "pdf", Variant: "customer"},
			{Month: "2026-11", Format: "pdf", Variant: "customer"},
			{Month: "2026-11", Format: "html", Variant: "internal"},
		} {
			r.CustomerID, r.Rendering, r.SHA256, r.Path, r.CreatedAt = c.ID, 1, fmt.Sprint("sum", i), fmt.Sprint("/r", i), t0.Add(time.Duration(i)*time.Hour)
			if err := st.ArchiveReport(ctx, &r); err != nil {
				t.Fatal(err)
			}
		}
		rows, total, err := st.ReportArchivePage(ctx, store.ReportQuery{CustomerID: &c.ID, Month: "2026-11"}, store.Rows{Limit: 1})
		if err != nil || total != 2 || len(rows) != 1 || rows[0].Format != "html" || rows[0].CustomerName != "Alpha" {
			t.Fatalf("November's reports = %+v (%d), %v; want the newest of 2, named", rows, total, err)
		}
		if _, total, _ = st.ReportArchivePage(ctx, store.ReportQuery{Format: "pdf", Variant: "customer"}, store.Rows{}); total != 2 {
			t.Errorf("customer PDFs: %d, want 2", total)
		}
		one, err := st.ReportArchiveByID(ctx, rows[0].ID)
		if err != nil || one.SHA256 != "sum2" || one.CustomerName != "Alpha" {
			t.Errorf("report %d = %+v, %v", rows[0].ID, one, err)
		}
		if _, err := st.ReportArchiveByID(ctx, 9999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("report 9999: %v, want not found", err)
		}
	})
}
