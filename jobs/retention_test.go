package jobs_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/jobs"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

func TestRetentionJob_CountsWhatItPruned(t *testing.T) {
	const day = 24 * time.Hour
	now := time.Date(2026, 11, 1, 3, 15, 0, 0, time.UTC)
	old, young := now.Add(-400*day), now.Add(-time.Hour)
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		create := func(rows ...any) {
			t.Helper()
			for _, r := range rows {
				if err := storetest.DB(ctx, st).Create(r).Error; err != nil {
					t.Fatalf("creating %T: %v", r, err)
				}
			}
		}
		pulled := func(id string, seen time.Time, removed *time.Time) store.Pulled {
			return store.Pulled{Source: "itglue", SourceID: id, Stream: "s", Scope: "1", SeenAt: seen, RemovedAt: removed, Raw: "sealed"}
		}
		finished := old.Add(time.Minute)
		create(
			&store.Organization{Name: "stale", Pulled: pulled("o1", old, nil)},
			&store.Organization{Name: "fresh", Pulled: pulled("o2", young, nil)},
			&store.Configuration{Name: "gone", Pulled: pulled("c1", young, &old),
				Backups: []store.ConfigBackup{{Source: "itglue", SourceID: "b1"}, {Source: "itglue", SourceID: "b2"}}},
			&store.Coverage{Connector: "itglue", Stream: "s", Scope: "1", StartedAt: old, Outcome: "ok"},
			&store.Coverage{Connector: "itglue", Stream: "s", Scope: "1", StartedAt: young, Outcome: "ok"},
			&store.JobRun{Job: "sync", Scope: "all", StartedAt: old, FinishedAt: &finished, Outcome: "ok"},
			&store.Finding{Rule: "R1", Fingerprint: "f1", Subject: "s", Severity: "high", Summary: "s",
				Status: store.StatusResolved, ResolvedAt: &old},
			&store.Finding{Rule: "R1", Fingerprint: "f2", Subject: "s", Severity: "high", Summary: "s",
				Status: store.StatusOpen},
		)

		job := &jobs.RetentionJob{
			Store: st, Policy: jobs.PolicyFromConfig(config.Default().Retention), Batch: 1,
			Now: func() time.Time { return now },
		}
		var counts jobs.Counts
		// Run as the daemon would: the job's own run is running while it prunes.
		r := &jobs.Runner{Store: st, Log: zerolog.Nop(), Now: func() time.Time { return now }}
		err := r.Run(ctx, "retention", "all", func(ctx context.Context) (jobs.Counts, error) {
			_, c, err := job.Run(ctx)
			counts = c
			return c, err
		})
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		want := jobs.Counts{
			"raw_cleared": 1, "records_deleted": 1, "backups_deleted": 2,
			"coverage_deleted": 1, "job_runs_deleted": 1, "findings_deleted": 1,
		}
		if !maps.Equal(counts, want) {
			t.Errorf("counts = %v, want %v", counts, want)
		}
		var runs []store.JobRun
		if err := storetest.DB(ctx, st).Find(&runs).Error; err != nil {
			t.Fatal(err)
		}
		if len(runs) != 1 || runs[0].Job != "retention" || runs[0].Outcome != "ok" {
			t.Errorf("job runs left = %+v, want only this retention run, finished", runs)
		}

		_, again, err := job.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for k, n := range again {
			if n != 0 {
				t.Errorf("second run: %s = %d, want 0", k, n)
			}
		}
	})
}

func TestPolicyFromConfig_TakesEveryLimit(t *testing.T) {
	const day = 24 * time.Hour
	got := jobs.PolicyFromConfig(config.Default().Retention)
	want := store.RetentionPolicy{
		RawPayloads: 90 * day, RemovedRecords: 90 * day, Coverage: 180 * day,
		JobRuns: 31 * day, ResolvedFindings: 365 * day, AccessEvents: 730 * day, PersonalData: 180 * day,
		Deliveries: 90 * day,
	}
	if got != want {
		t.Errorf("PolicyFromConfig(defaults) = %+v, want %+v", got, want)
	}
}
