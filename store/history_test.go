package store_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// historyLines reads a finding's history as "actor action note assignee" lines.
func historyLines(t *testing.T, st *store.Store, id uint) []string {
	t.Helper()
	es, err := st.FindingHistory(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, fmt.Sprintf("%s %s %s %s %s", e.At.UTC().Format("15:04"), e.Actor, e.Action, e.Note, e.Assignee))
	}
	return out
}

func TestFindingHistory_RoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		scope := store.FindingScope{Rules: []string{"R1"}}
		// A new finding's history entry names it by fingerprint; the store fills its id.
		err := st.RecordFindings(ctx, scope, t0, func(store.FindingState) (store.FindingWrites, error) {
			return store.FindingWrites{
				Insert:  []store.Finding{{Rule: "R1", Fingerprint: "fp", Subject: "s", Severity: "high", Summary: "x", FirstSeen: t0, LastSeen: t0, Status: store.StatusOpen}},
				History: []store.FindingEvent{{Fingerprint: "fp", At: t0, Actor: "custos", Action: "opened"}},
			}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		t1 := t0.Add(time.Hour)
		f, e, err := st.TriageFinding(ctx, "fp", func(f store.Finding) (store.Finding, store.FindingEvent, error) {
			f.Status, f.StatusBy, f.StatusReason, f.Assignee = store.StatusAcknowledged, "Priya", "ticket 4411", "Bob"
			return f, store.FindingEvent{At: t1, Actor: "Priya", Action: "acknowledged", Note: "ticket 4411", Assignee: "Bob"}, nil
		})
		if err != nil || e.FindingID != f.ID || e.ID == 0 {
			t.Fatalf("TriageFinding = %+v, %+v, %v", f, e, err)
		}
		refused := errors.New("refused")
		if _, _, err := st.TriageFinding(ctx, fmt.Sprint(f.ID), func(f store.Finding) (store.Finding, store.FindingEvent, error) {
			f.Status = store.StatusResolved
			return f, store.FindingEvent{At: t1, Actor: "x", Action: "resolved"}, refused
		}); !errors.Is(err, refused) {
			t.Fatalf("a refused change returned %v", err)
		}
		if _, _, err := st.TriageFinding(ctx, "nope", nil); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an unknown finding: %v, want ErrNotFound", err)
		}
		got, err := st.FindingByRef(ctx, "fp")
		if err != nil || got.Status != store.StatusAcknowledged || got.StatusBy != "Priya" || got.StatusReason != "ticket 4411" || got.Assignee != "Bob" {
			t.Errorf("finding after triage = %+v, %v; want acknowledged by Priya, assigned to Bob, the refused change not kept", got, err)
		}
		want := []string{"09:00 custos opened  ", "10:00 Priya acknowledged ticket 4411 Bob"}
		if lines := historyLines(t, st, f.ID); !slices.Equal(lines, want) {
			t.Errorf("history %q, want %q", lines, want)
		}
	})
}

func TestPrune_DeletesAFindingsHistoryWithIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		db := storetest.DB(ctx, st)
		old, young := t0.Add(-50*day), t0.Add(-day)
		fs := []store.Finding{
			{Rule: "R1", Fingerprint: "old", Subject: "s", Severity: "low", Summary: "x", Status: store.StatusResolved, ResolvedAt: &old},
			{Rule: "R1", Fingerprint: "young", Subject: "s", Severity: "low", Summary: "x", Status: store.StatusResolved, ResolvedAt: &young},
		}
		if err := db.Create(&fs).Error; err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			for _, action := range []string{"acknowledged", "resolved"} {
				if err := db.Create(&store.FindingEvent{FindingID: f.ID, At: old, Actor: "Priya", Action: action, Note: "n"}).Error; err != nil {
					t.Fatal(err)
				}
			}
		}
		res, err := st.Prune(ctx, store.RetentionPolicy{ResolvedFindings: policy.ResolvedFindings}, t0, 1)
		if err != nil {
			t.Fatal(err)
		}
		if res.FindingsDeleted != 1 || res.FindingEventsDeleted != 2 {
			t.Errorf("pruned %d findings and %d history entries, want 1 and 2", res.FindingsDeleted, res.FindingEventsDeleted)
		}
		if n := storetest.Count(t, st, &store.FindingEvent{}, "finding_id = ?", fs[1].ID); n != 2 {
			t.Errorf("the kept finding has %d history entries, want 2", n)
		}
		if n := storetest.Count(t, st, &store.FindingEvent{}); n != 2 {
			t.Errorf("%d history entries left, want the kept finding's 2", n)
		}
	})
}
