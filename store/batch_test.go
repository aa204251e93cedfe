package store_test

import (
	"testing"
	"time"

	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

func TestCommitBatch_ScopesKeepTheirCursorsAndSweepTheirTables(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		keyD := store.StreamKey{Connector: "itglue", Stream: "configurations", Scope: "200"}
		inD := config("3")
		inD.CustomerRef = "200"
		_, err := st.CommitBatch(ctx, store.Batch{Pages: []store.Page{
			{Key: keyC, Records: []record.Record{config("1"), config("2")}, Cursor: "c1", SeenAt: t0},
			{Key: keyD, Records: []record.Record{inD}, Cursor: "d1", SeenAt: t0},
		}})
		if err != nil {
			t.Fatal(err)
		}
		for key, want := range map[store.StreamKey]string{keyC: "c1", keyD: "d1"} {
			if cp, _ := st.Checkpoint(ctx, key); cp.Cursor != want {
				t.Errorf("%s: cursor %q, want %q", key, cp.Cursor, want)
			}
		}

		// The second pull sees configuration 1 only. Sweeping the tables of
		// organizations leaves configurations alone.
		t1 := t0.Add(time.Hour)
		orgs := []record.Record{(*record.Organization)(nil)}
		done, err := st.CommitBatch(ctx, store.Batch{
			Pages:       []store.Page{{Key: keyC, Records: []record.Record{config("1")}, Cursor: "c2", SeenAt: t1}},
			Completions: []store.Completion{{Key: keyC, PullStartedAt: &t1, Records: orgs}},
		})
		if err != nil || done[0].Removed != 0 {
			t.Fatalf("completion sweeping organizations = %+v, %v; want nothing removed", done, err)
		}
		if n := count(t, st, &store.Configuration{}, "removed_at IS NOT NULL"); n != 0 {
			t.Errorf("%d configurations marked removed by a sweep of organizations", n)
		}

		configs := []record.Record{(*record.Configuration)(nil)}
		cov := store.Coverage{Connector: "itglue", Stream: "configurations", Scope: "200", StartedAt: t1, Outcome: "ok"}
		done, err = st.CommitBatch(ctx, store.Batch{Completions: []store.Completion{
			{Key: keyC, PullStartedAt: &t1, Records: configs},
			{Key: keyD, PullStartedAt: &t1, Records: configs, Coverage: &cov},
		}})
		if err != nil || len(done) != 2 || done[0].Removed != 1 || done[1].Removed != 1 {
			t.Fatalf("completions = %+v, %v; want one row removed in each scope", done, err)
		}
		for id, removed := range map[string]bool{"1": false, "2": true, "3": true} {
			if n := count(t, st, &store.Configuration{}, "source_id = ? AND removed_at IS NOT NULL", id); (n == 1) != removed {
				t.Errorf("configuration %s: removed %t, want %t", id, n == 1, removed)
			}
		}
		for _, key := range []store.StreamKey{keyC, keyD} {
			if cp, _ := st.Checkpoint(ctx, key); cp.Cursor != "" {
				t.Errorf("%s: cursor %q after completion, want none", key, cp.Cursor)
			}
		}
		if n := count(t, st, &store.Coverage{}, "scope = ? AND removed = 1", "200"); n != 1 {
			t.Errorf("%d coverage rows of scope 200 with one row removed, want 1", n)
		}
	})
}

func TestCommitPage_UnchangedIncrementalRowIsNotWrittenAgain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		key := store.StreamKey{Connector: "screenconnect", Stream: "connections", Scope: "account"}
		event := func(detail string) *record.AccessEvent {
			return &record.AccessEvent{
				Source: "screenconnect", SourceID: "s1", Kind: record.KindRemoteSession, Action: "Connected",
				StartedAt: t0, CustomerRef: "site-1", ActorRef: "tech@msp.example", ActorName: "Tom Reed",
				Detail: detail, Raw: []byte(`{"session":"s1"}`),
			}
		}
		// The sealed text as stored: a rewrite seals under new nonces.
		type sealed struct{ ActorName, Detail, Digest string }
		stored := func() sealed {
			t.Helper()
			var row sealed
			if err := storetest.DB(ctx, st).Model(&store.AccessEvent{}).Select("actor_name", "detail", "digest").
				Where("source_id = ?", "s1").Scan(&row).Error; err != nil {
				t.Fatal(err)
			}
			return row
		}
		if err := st.CommitPage(ctx, store.Page{Key: key, Records: []record.Record{event("42 minutes")}, SeenAt: t0}); err != nil {
			t.Fatal(err)
		}
		first := stored()
		if first.Digest == "" || first.ActorName == "Tom Reed" {
			t.Fatalf("stored %+v, want a digest and the name sealed", first)
		}
		if err := st.CommitPage(ctx, store.Page{Key: key, Records: []record.Record{event("42 minutes")}, SeenAt: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if again := stored(); again != first {
			t.Errorf("pulling the same event again rewrote it: %+v, was %+v", again, first)
		}
		if err := st.CommitPage(ctx, store.Page{Key: key, Records: []record.Record{event("43 minutes")}, SeenAt: t0.Add(2 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if changed := stored(); changed.Digest == first.Digest || changed.Detail == first.Detail {
			t.Errorf("a changed event was not written: %+v", changed)
		}
		var events []store.AccessEvent
		if err := storetest.DB(ctx, st).Find(&events).Error; err != nil || len(events) != 1 || events[0].Detail != "43 minutes" {
			t.Errorf("events %+v, %v; want one, detailed \"43 minutes\"", events, err)
		}
	})
}
