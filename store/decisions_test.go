package store_test

import (
	"testing"
	"time"

	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// TestSaveDecisions_KeepsEveryOutcomeAcrossARepull saves each outcome reconcile
// decides (covered, covered by a backup, authorised afterwards by an authorisation
// or a backup, not covered), reads it back, and pulls the events again: the pull
// brings the vendor's facts and leaves the decisions as they were.
func TestSaveDecisions_KeepsEveryOutcomeAcrossARepull(t *testing.T) {
	id := func(n uint) *uint { return &n }
	want := []store.DecisionUpdate{
		{CoveredBy: id(7), Decision: "covered by authorisation 7"},
		{BackupID: id(3), Decision: "covered by verified backup 3"},
		{AuthorisedLateBy: id(7), Decision: "authorised afterwards by authorisation 7"},
		{LateBackupID: id(3), Decision: "authorised afterwards by verified backup 3"},
		{Decision: "no authorisation of this customer"},
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		key := store.StreamKey{Connector: "screenconnect", Stream: "sessions", Scope: "account"}
		events := make([]record.Record, len(want))
		for i := range want {
			events[i] = &record.AccessEvent{Source: "screenconnect", SourceID: "s" + string(rune('a'+i)),
				Kind: record.KindRemoteSession, Action: "Connected", StartedAt: t0.Add(time.Duration(i) * time.Hour)}
		}
		pull := func(seen time.Time) {
			t.Helper()
			if err := st.CommitPage(ctx, store.Page{Key: key, Records: events, SeenAt: seen}); err != nil {
				t.Fatalf("CommitPage: %v", err)
			}
		}
		pull(t0)
		var ids []uint
		if err := storetest.DB(ctx, st).Model(&store.AccessEvent{}).Order("started_at").Pluck("id", &ids).Error; err != nil || len(ids) != len(want) {
			t.Fatalf("event ids = %v, %v", ids, err)
		}
		updates := make([]store.DecisionUpdate, len(want))
		for i, u := range want {
			u.EventID = ids[i]
			updates[i] = u
		}
		if err := st.SaveDecisions(ctx, updates); err != nil {
			t.Fatal(err)
		}
		pull(t0.Add(24 * time.Hour))
		got, err := st.AccessEventsByID(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range got {
			u := updates[i]
			if !sameID(e.CoveredBy, u.CoveredBy) || !sameID(e.BackupID, u.BackupID) || !sameID(e.AuthorisedLateBy, u.AuthorisedLateBy) ||
				!sameID(e.LateBackupID, u.LateBackupID) || e.Decision != u.Decision {
				t.Errorf("event %d after a re-pull: covered %v, backup %v, late %v, late backup %v, %q; want %+v",
					e.ID, e.CoveredBy, e.BackupID, e.AuthorisedLateBy, e.LateBackupID, e.Decision, u)
			}
		}
	})
}

func sameID(a, b *uint) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
