package report_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/report"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// TestBuild_AccessAuthorisedAfterwards marks two covered accesses of the seed as
// authorised only afterwards (Bob's session, by its ticket recorded an hour after it
// began; Alice's profile removal, by its verified backup recorded after it): the
// report counts them apart from the authorised and the unauthorised ones, and its
// access table says "authorised afterwards" with the evidence and when it was
// recorded.
func TestBuild_AccessAuthorisedAfterwards(t *testing.T) {
	st := storetest.Open(t, "sqlite", nil)
	c := seed(t, st)
	db := storetest.DB(ctx, st)
	eventID := func(sourceID string) uint {
		var e store.AccessEvent
		if err := db.Where("source_id = ?", sourceID).Take(&e).Error; err != nil {
			t.Fatal(err)
		}
		return e.ID
	}
	var auth store.Authorisation
	var backup store.VerifiedBackup
	if err := db.Where("source_id = ?", "t2").Take(&auth).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Take(&backup).Error; err != nil {
		t.Fatal(err)
	}
	session, removal := at(10, 26, 10, 0), at(10, 14, 16, 0)
	db.Model(&auth).Update("recorded_at", session.Add(time.Hour))
	db.Model(&backup).Update("recorded_at", removal.Add(30*time.Minute))
	err := st.SaveDecisions(ctx, []store.DecisionUpdate{
		{EventID: eventID("e07"), AuthorisedLateBy: &auth.ID, Decision: "authorised afterwards: authorisation 2 was recorded an hour after the access began"},
		{EventID: eventID("e09"), LateBackupID: &backup.ID, Decision: "authorised afterwards: verified backup 1 was recorded after the removal began"},
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := report.Build(ctx, st, c, report.Month{Year: 2026, Month: time.October}, options(report.VariantCustomer))
	if err != nil {
		t.Fatal(err)
	}
	if s := r.Summary; s.Accesses != 9 || s.Authorised != 2 || s.AuthorisedLate != 2 || s.Unauthorised != 4 || s.Unchecked != 1 {
		t.Errorf("summary = %d accesses, %d authorised, %d afterwards, %d not, %d unchecked; want 9, 2, 2, 4, 1",
			s.Accesses, s.Authorised, s.AuthorisedLate, s.Unauthorised, s.Unchecked)
	}
	const minute = "2006-01-02 15:04"
	want := map[string]struct{ evidence, recorded string }{
		session.UTC().Format(minute): {"Autotask ticket T20261026.0003", "2026-10-26 11:00"},
		removal.UTC().Format(minute): {"verified backup Veeam job 881", "2026-10-14 16:30"},
	}
	for _, a := range r.Accesses {
		w, ok := want[a.When.UTC().Format(minute)]
		if !ok {
			if a.Status == report.AccessAuthorisedLate {
				t.Errorf("access at %v is authorised afterwards", a.When)
			}
			continue
		}
		if a.Status != report.AccessAuthorisedLate || a.Evidence != w.evidence || a.Recorded.Format(minute) != w.recorded {
			t.Errorf("access at %v: %q by %q recorded %v; want authorised afterwards by %q recorded %s", a.When, a.Status, a.Evidence, a.Recorded, w.evidence, w.recorded)
		}
	}
	var html bytes.Buffer
	if err := report.RenderHTML(&html, r); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		`<span class="warn">authorised afterwards</span>: Autotask ticket T20261026.0003, granted by Jane Doe &lt;jane@contoso.example&gt;, recorded 2026-10-26 11:00`,
		`<div class="n warn">2</div><div class="l">authorised afterwards`,
		`<th class="num">Authorised afterwards</th>`,
	} {
		if !strings.Contains(html.String(), s) {
			t.Errorf("the HTML report lacks %q", s)
		}
	}
	// The PDF lays out the extra column.
	var pdf bytes.Buffer
	if err := report.RenderPDF(&pdf, r); err != nil {
		t.Fatal(err)
	}
}
