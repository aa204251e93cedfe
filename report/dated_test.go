package report_test

import (
	"testing"
	"time"

	"github.com/custos-msp/custos/report"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// TestBuild_FindingsDatedByTheAccess: a finding Custos first saw in November about
// an access of 26 October (as after installing it, reading the month before) is
// October's: listed with the access's time and counted opened in October, and not
// counted opened in November.
func TestBuild_FindingsDatedByTheAccess(t *testing.T) {
	st := storetest.Open(t, "sqlite", nil)
	c := seed(t, st)
	db := storetest.DB(ctx, st)
	var e store.AccessEvent
	if err := db.Where("source_id = ?", "e07").Take(&e).Error; err != nil {
		t.Fatal(err)
	}
	late := &store.Finding{
		Rule: "ACCESS-UNAUTHORISED", Fingerprint: "f-found-later", Subject: "f-found-later", CustomerID: &c.ID, Severity: "critical",
		Summary: "found later", Evidence: store.Ref[store.AccessEvent](e.ID), FirstSeen: at(11, 1, 7, 0), LastSeen: at(11, 1, 7, 0), Status: store.StatusOpen,
	}
	create(t, st, late)

	opts := options(report.VariantCustomer)
	opts.Now = time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	criticalOpened := func(month time.Month) (int, *report.FindingRow) {
		r, err := report.Build(ctx, st, c, report.Month{Year: 2026, Month: month}, opts)
		if err != nil {
			t.Fatal(err)
		}
		var row *report.FindingRow
		for i := range r.Findings {
			if r.Findings[i].ID == late.ID {
				row = &r.Findings[i]
			}
		}
		for _, s := range r.Summary.Findings {
			if s.Severity == "critical" {
				return s.Opened, row
			}
		}
		return 0, row
	}
	opened, row := criticalOpened(time.October)
	if opened != 1 || row == nil || !row.Happened.Equal(e.StartedAt) {
		t.Errorf("October: %d critical opened, row %+v; want the finding, dated %s", opened, row, e.StartedAt)
	}
	if opened, _ := criticalOpened(time.November); opened != 0 {
		t.Errorf("November: %d critical opened, want 0: the access was in October", opened)
	}
}

// TestBuild_AccessSaysWhatWasDoneAboutIt: an access nothing covered shows its
// finding's state and, when a person triaged it, what they wrote; a state Custos set
// itself shows alone.
func TestBuild_AccessSaysWhatWasDoneAboutIt(t *testing.T) {
	st := storetest.Open(t, "sqlite", nil)
	c := seed(t, st)
	db := storetest.DB(ctx, st)
	if err := db.Model(&store.Finding{}).Where("fingerprint = ?", "f-cmd").
		Updates(map[string]any{"status_by": "jane", "status_reason": "the customer asked for the job by phone"}).Error; err != nil {
		t.Fatal(err)
	}
	r, err := report.Build(ctx, st, c, report.Month{Year: 2026, Month: time.October}, options(report.VariantCustomer))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range r.Accesses {
		if a.FindingID != 0 {
			got[a.Action] = a.FindingStatus
		}
	}
	var triagedByJane, setByCustos bool
	for _, status := range got {
		triagedByJane = triagedByJane || status == "acknowledged: the customer asked for the job by phone"
		setByCustos = setByCustos || status == "resolved"
	}
	if !triagedByJane || !setByCustos {
		t.Errorf("finding states of the accesses = %v; want Jane's note on the acknowledged one and a bare resolved", got)
	}
}
