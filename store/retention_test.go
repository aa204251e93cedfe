package store_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

const day = 24 * time.Hour

// policy gives every item a different limit, so a prune that used the wrong one shows.
var policy = store.RetentionPolicy{
	RawPayloads:      10 * day,
	RemovedRecords:   20 * day,
	Coverage:         30 * day,
	JobRuns:          5 * day,
	ResolvedFindings: 40 * day,
}

// past and within are a second beyond and a second inside a limit, seen from t0.
func past(limit time.Duration) time.Time   { return t0.Add(-limit - time.Second) }
func within(limit time.Duration) time.Time { return t0.Add(-limit + time.Second) }

func ptr[T any](v T) *T { return &v }

func create(t *testing.T, st *store.Store, rows ...any) {
	t.Helper()
	for _, r := range rows {
		if err := storetest.DB(ctx, st).Create(r).Error; err != nil {
			t.Fatalf("creating %T: %v", r, err)
		}
	}
}

// seedRetention writes rows just past and just within each limit of policy. The ones
// named "old…" are due to go; everything else must stay.
func seedRetention(t *testing.T, st *store.Store) {
	t.Helper()
	pulled := func(id string, seen time.Time, removed *time.Time) store.Pulled {
		return store.Pulled{Source: "itglue", SourceID: id, Stream: "s", Scope: "100", SeenAt: seen, RemovedAt: removed, Raw: "sealed-" + id}
	}
	young := within(policy.RawPayloads)
	create(t, st,
		&store.Organization{Name: "old-raw", Pulled: pulled("o1", past(policy.RawPayloads), nil)},
		&store.Organization{Name: "young-raw", Pulled: pulled("o2", young, nil)},
		&store.Organization{Name: "old-removed", Pulled: pulled("o3", young, ptr(past(policy.RemovedRecords)))},
		&store.Organization{Name: "young-removed", Pulled: pulled("o4", young, ptr(within(policy.RemovedRecords)))},
		&store.Configuration{Name: "old-raw", Pulled: pulled("c1", past(policy.RawPayloads), nil),
			Backups: []store.ConfigBackup{{Source: "itglue", SourceID: "b1", FileName: "old-raw", Raw: "sealed-b1"}}},
		&store.Configuration{Name: "young-raw", Pulled: pulled("c2", young, nil),
			Backups: []store.ConfigBackup{{Source: "itglue", SourceID: "b2", FileName: "young-raw", Raw: "sealed-b2"}}},
		&store.Configuration{Name: "old-removed", Pulled: pulled("c3", young, ptr(past(policy.RemovedRecords))),
			Backups: []store.ConfigBackup{{Source: "itglue", SourceID: "b3", FileName: "a"}, {Source: "itglue", SourceID: "b4", FileName: "b"}}},
		&store.Configuration{Name: "young-removed", Pulled: pulled("c4", young, ptr(within(policy.RemovedRecords))),
			Backups: []store.ConfigBackup{{Source: "itglue", SourceID: "b5", FileName: "kept"}}},
	)
	// Tables kept forever clear their raw payloads too.
	create(t, st,
		&store.Contact{Name: "old-raw", Pulled: pulled("old-raw", past(policy.RawPayloads), nil)},
		&store.Contact{Name: "young-raw", Pulled: pulled("young-raw", young, nil)},
	)
	for i := range 5 {
		create(t, st, &store.Coverage{Connector: "itglue", Stream: "s", Scope: fmt.Sprintf("old%d", i), StartedAt: past(policy.Coverage), Outcome: "ok"})
	}
	create(t, st, &store.Coverage{Connector: "itglue", Stream: "s", Scope: "young", StartedAt: within(policy.Coverage), Outcome: "ok"})

	finished := func(start time.Time) *time.Time { return ptr(start.Add(time.Minute)) }
	oldStart, youngStart := past(policy.JobRuns), within(policy.JobRuns)
	create(t, st,
		&store.JobRun{Job: "old-ok", Scope: "all", StartedAt: oldStart, FinishedAt: finished(oldStart), Outcome: "ok"},
		&store.JobRun{Job: "old-failed", Scope: "all", StartedAt: oldStart, FinishedAt: finished(oldStart), Outcome: "failed"},
		&store.JobRun{Job: "running", Scope: "all", StartedAt: oldStart.Add(-100 * day), Outcome: "running"},
		&store.JobRun{Job: "young", Scope: "all", StartedAt: youngStart, FinishedAt: finished(youngStart), Outcome: "ok"},
	)

	oldResolved := ptr(past(policy.ResolvedFindings))
	finding := func(fp, status string, resolved *time.Time) *store.Finding {
		return &store.Finding{Rule: "R1", Fingerprint: fp, Subject: fp, Severity: "high", Summary: fp,
			FirstSeen: t0.Add(-400 * day), LastSeen: t0.Add(-400 * day), Status: status, ResolvedAt: resolved}
	}
	for i := range 5 {
		create(t, st, finding(fmt.Sprintf("old-resolved-%d", i), store.StatusResolved, oldResolved))
	}
	create(t, st,
		finding("young-resolved", store.StatusResolved, ptr(within(policy.ResolvedFindings))),
		finding("open", store.StatusOpen, nil),
		// Resolved once, then acknowledged or suppressed by hand: their status rules.
		finding("acknowledged", store.StatusAcknowledged, oldResolved),
		finding("suppressed", store.StatusSuppressed, oldResolved),
	)
}

func pluck(t *testing.T, st *store.Store, model any, column string, where ...any) []string {
	t.Helper()
	var out []string
	q := storetest.DB(ctx, st).Model(model)
	if len(where) > 0 {
		q = q.Where(where[0], where[1:]...)
	}
	if err := q.Order(column).Pluck(column, &out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPrune_RemovesExactlyWhatIsPastItsLimit(t *testing.T) {
	want := store.PruneResult{
		RawCleared:            4, // organization, configuration, backup and contact old-raw
		OrganizationsDeleted:  1,
		ConfigurationsDeleted: 1,
		BackupsDeleted:        2,
		CoverageDeleted:       5,
		JobRunsDeleted:        2,
		FindingsDeleted:       5,
	}
	for _, batch := range []int{1, 2, 3, 0} {
		t.Run(fmt.Sprintf("batch %d", batch), func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				seedRetention(t, st)
				got, err := st.Prune(ctx, policy, t0, batch)
				if err != nil {
					t.Fatalf("Prune: %v", err)
				}
				if got != want {
					t.Errorf("Prune = %+v, want %+v", got, want)
				}
				checks := []struct {
					what  string
					model any
					col   string
					where []any
					want  []string
				}{
					{"organizations", &store.Organization{}, "name", nil, []string{"old-raw", "young-raw", "young-removed"}},
					{"organizations with raw", &store.Organization{}, "name", []any{"raw <> ''"}, []string{"young-raw", "young-removed"}},
					{"configurations", &store.Configuration{}, "name", nil, []string{"old-raw", "young-raw", "young-removed"}},
					{"configurations with raw", &store.Configuration{}, "name", []any{"raw <> ''"}, []string{"young-raw", "young-removed"}},
					{"backups", &store.ConfigBackup{}, "file_name", nil, []string{"kept", "old-raw", "young-raw"}},
					{"backups with raw", &store.ConfigBackup{}, "file_name", []any{"raw <> ''"}, []string{"young-raw"}},
					{"contacts", &store.Contact{}, "source_id", nil, []string{"old-raw", "young-raw"}},
					{"contacts with raw", &store.Contact{}, "source_id", []any{"raw <> ''"}, []string{"young-raw"}},
					{"coverage", &store.Coverage{}, "scope", nil, []string{"young"}},
					{"job runs", &store.JobRun{}, "job", nil, []string{"running", "young"}},
					{"findings", &store.Finding{}, "fingerprint", nil, []string{"acknowledged", "open", "suppressed", "young-resolved"}},
				}
				for _, c := range checks {
					if got := pluck(t, st, c.model, c.col, c.where...); !slices.Equal(got, c.want) {
						t.Errorf("%s left = %v, want %v", c.what, got, c.want)
					}
				}

				again, err := st.Prune(ctx, policy, t0, batch)
				if err != nil || again != (store.PruneResult{}) {
					t.Errorf("second Prune = %+v, %v; want nothing pruned", again, err)
				}
			})
		})
	}
}

func TestPrune_ZeroDurationKeepsForever(t *testing.T) {
	allButRaw := policy
	allButRaw.RawPayloads = 0
	tests := []struct {
		name   string
		policy store.RetentionPolicy
		now    time.Time
		want   store.PruneResult
	}{
		{"all zero", store.RetentionPolicy{}, t0, store.PruneResult{}},
		// A thousand years on, every row is past any limit that is set.
		{"all zero, far future", store.RetentionPolicy{}, t0.AddDate(1000, 0, 0), store.PruneResult{}},
		{"only coverage", store.RetentionPolicy{Coverage: policy.Coverage}, t0, store.PruneResult{CoverageDeleted: 5}},
		{"all but raw payloads", allButRaw, t0, store.PruneResult{
			OrganizationsDeleted: 1, ConfigurationsDeleted: 1, BackupsDeleted: 2,
			CoverageDeleted: 5, JobRunsDeleted: 2, FindingsDeleted: 5,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				seedRetention(t, st)
				got, err := st.Prune(ctx, tt.policy, tt.now, 2)
				if err != nil {
					t.Fatalf("Prune: %v", err)
				}
				if got != tt.want {
					t.Errorf("Prune = %+v, want %+v", got, tt.want)
				}
				if n := count(t, st, &store.Organization{}, "raw = ''"); n != 0 {
					t.Errorf("%d organizations lost their raw payload, kept forever", n)
				}
				if n := count(t, st, &store.ConfigBackup{}, "raw = '' AND file_name IN ?", []string{"old-raw", "young-raw"}); n != 0 {
					t.Errorf("%d backups lost their raw payload, kept forever", n)
				}
			})
		})
	}
}

// A pull's own rows, written and later missed the way sync does, go when they are due.
func TestPrune_CommittedAndRemovedRecords(t *testing.T) {
	for _, driver := range []string{"sqlite", "postgres"} {
		t.Run(driver, func(t *testing.T) {
			st := storetest.Open(t, driver, xorSealer{})
			first := t0.Add(-60 * day)
			c1, c2 := config("1", "a", "b"), config("2", "c")
			c1.Raw, c2.Raw = []byte(`{"id":1}`), []byte(`{"id":2}`)
			commit(t, st, "", first, c1, c2)
			// Configuration 2 disappears from the next snapshot, 30 days ago.
			second := t0.Add(-30 * day)
			commit(t, st, "", second, c1)
			if n, err := st.CompleteSnapshot(ctx, keyC, second, ""); err != nil || n != 1 {
				t.Fatalf("CompleteSnapshot = %d, %v; want 1 removed", n, err)
			}
			var fk int
			if driver == "sqlite" {
				if err := storetest.DB(ctx, st).Raw("PRAGMA foreign_keys").Scan(&fk).Error; err != nil || fk != 1 {
					t.Errorf("foreign_keys = %d, %v; want on", fk, err)
				}
			}

			got, err := st.Prune(ctx, store.RetentionPolicy{RawPayloads: 20 * day, RemovedRecords: 25 * day}, t0, 1)
			if err != nil {
				t.Fatalf("Prune: %v", err)
			}
			want := store.PruneResult{RawCleared: 1, ConfigurationsDeleted: 1, BackupsDeleted: 1}
			if got != want {
				t.Errorf("Prune = %+v, want %+v", got, want)
			}
			if got := pluck(t, st, &store.Configuration{}, "source_id"); !slices.Equal(got, []string{"1"}) {
				t.Errorf("configurations left = %v, want [1]", got)
			}
			if got := backupFiles(t, st, "1"); !slices.Equal(got, []string{"a.conf", "b.conf"}) {
				t.Errorf("backups of 1 = %v, want a.conf b.conf", got)
			}
			if n := count(t, st, &store.ConfigBackup{}); n != 2 {
				t.Errorf("backups = %d, want 2 (those of the deleted configuration gone)", n)
			}
			if n := count(t, st, &store.Configuration{}, "raw <> ''"); n != 0 {
				t.Errorf("%d configurations keep a raw payload last seen 30 days ago", n)
			}
		})
	}
}

// TestPrunePreview_CountsLikePruneAndChangesNothing previews the prune of the seeded
// store: the same counts as the prune that follows, and nothing changed before it.
func TestPrunePreview_CountsLikePruneAndChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seedRetention(t, st)
		organizations := func() []string { return pluck(t, st, &store.Organization{}, "name", "raw <> ''") }
		before := organizations()
		preview, err := st.PrunePreview(ctx, policy, t0, 2)
		if err != nil {
			t.Fatal(err)
		}
		if after := organizations(); !slices.Equal(after, before) {
			t.Errorf("the preview changed the organizations with raw payloads: %v, then %v", before, after)
		}
		done, err := st.Prune(ctx, policy, t0, 2)
		if err != nil {
			t.Fatal(err)
		}
		if preview != done || done == (store.PruneResult{}) {
			t.Errorf("preview %+v, prune %+v: want the same, and something to do", preview, done)
		}
	})
}
