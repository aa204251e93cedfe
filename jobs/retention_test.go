package jobs_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
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
			"raw_cleared": 1, "records_deleted": 1, "reports_deleted": 0, "backups_deleted": 2,
			"coverage_deleted": 1, "job_runs_deleted": 1, "findings_deleted": 1, "job_runs_abandoned": 0,
			"audit_deleted": 0, "tokens_deleted": 0, "sessions_deleted": 0,
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
		Deliveries: 90 * day, Reports: 730 * day, AuditTrail: 730 * day,
	}
	if got != want {
		t.Errorf("PolicyFromConfig(defaults) = %+v, want %+v", got, want)
	}
}

func TestRetentionJob_MarksAbandonedRunsAndPrunesThem(t *testing.T) {
	const day = 24 * time.Hour
	now := time.Date(2026, 11, 1, 3, 15, 0, 0, time.UTC)
	ctx := context.Background()
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		runs := []store.JobRun{
			// Killed 40 days ago: abandoned, and old enough to prune.
			{Job: "sync", Scope: "all", StartedAt: now.Add(-40 * day), Outcome: store.JobRunning, LeaseExpiresAt: at(-40*day + 2*time.Minute)},
			// Killed an hour ago: abandoned, kept for the history.
			{Job: "sync", Scope: "itglue", StartedAt: now.Add(-time.Hour), Outcome: store.JobRunning, LeaseExpiresAt: at(-58 * time.Minute)},
			// Still running, its lease renewed: left alone.
			{Job: "report", Scope: "all", StartedAt: now.Add(-40 * day), Outcome: store.JobRunning, LeaseExpiresAt: at(time.Minute)},
		}
		for i := range runs {
			if err := storetest.DB(ctx, st).Create(&runs[i]).Error; err != nil {
				t.Fatal(err)
			}
		}
		job := &jobs.RetentionJob{Store: st, Policy: store.RetentionPolicy{JobRuns: 31 * day}, Now: func() time.Time { return now }}
		_, counts, err := job.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if counts["job_runs_abandoned"] != 2 || counts["job_runs_deleted"] != 1 {
			t.Errorf("counts = %v, want 2 abandoned and 1 deleted", counts)
		}
		var left []store.JobRun
		if err := storetest.DB(ctx, st).Order("id").Find(&left).Error; err != nil {
			t.Fatal(err)
		}
		if len(left) != 2 {
			t.Fatalf("runs left = %+v, want the recent abandoned one and the live one", left)
		}
		if a := left[0]; a.Scope != "itglue" || a.Outcome != store.JobAbandoned || a.FinishedAt == nil ||
			!a.FinishedAt.Equal(*runs[1].LeaseExpiresAt) || !strings.Contains(a.Error, "lease expired") {
			t.Errorf("abandoned run = %+v", a)
		}
		if live := left[1]; live.Job != "report" || live.Outcome != store.JobRunning || live.FinishedAt != nil {
			t.Errorf("live run = %+v", live)
		}
	})
}

func TestRunner_RunsWithALeaseAndMarksExpiredOnesAbandoned(t *testing.T) {
	now := time.Date(2026, 11, 1, 3, 15, 0, 0, time.UTC)
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		expired := now.Add(-time.Minute)
		killed := store.JobRun{Job: "sync", Scope: "all", StartedAt: now.Add(-time.Hour), Outcome: store.JobRunning, LeaseExpiresAt: &expired}
		if err := storetest.DB(ctx, st).Create(&killed).Error; err != nil {
			t.Fatal(err)
		}
		r := &jobs.Runner{Store: st, Log: zerolog.Nop(), LeaseTTL: 5 * time.Minute, Now: func() time.Time { return now }}
		var during store.JobRun
		err := r.Run(ctx, "sync", "all", func(context.Context) (jobs.Counts, error) {
			return nil, storetest.DB(ctx, st).Where("outcome = ?", store.JobRunning).Take(&during).Error
		})
		if err != nil {
			t.Fatal(err)
		}
		if during.LeaseExpiresAt == nil || !during.LeaseExpiresAt.Equal(now.Add(5*time.Minute)) || during.ID == killed.ID {
			t.Errorf("the running run = %+v, want this run with a lease of 5m", during)
		}
		var got store.JobRun
		if err := storetest.DB(ctx, st).Take(&got, killed.ID).Error; err != nil {
			t.Fatal(err)
		}
		if got.Outcome != store.JobAbandoned {
			t.Errorf("the killed run is %q, want abandoned", got.Outcome)
		}
	})
}

// TestRetentionJob_DeletesExpiredReports deletes the file and the archive row of a
// report written longer ago than the policy keeps reports, copes with a file already
// gone, and keeps a younger report and its file.
func TestRetentionJob_DeletesExpiredReports(t *testing.T) {
	const day = 24 * time.Hour
	now := time.Date(2026, 11, 1, 3, 15, 0, 0, time.UTC)
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		dir := t.TempDir()
		report := func(month string, rendering int, written time.Time, onDisk bool) store.ReportArchive {
			path := filepath.Join(dir, fmt.Sprintf("%s-r%d.pdf", month, rendering))
			if onDisk {
				if err := os.WriteFile(path, []byte("%PDF "+month), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			r := store.ReportArchive{CustomerID: 1, Month: month, Format: "pdf", Variant: "customer", Rendering: rendering, SHA256: path, Path: path, CreatedAt: written}
			if err := storetest.DB(ctx, st).Create(&r).Error; err != nil {
				t.Fatal(err)
			}
			return r
		}
		// Renderings of one month are kept or deleted each by its own age.
		old, gone := report("2024-09", 1, now.Add(-800*day), true), report("2024-08", 1, now.Add(-830*day), false)
		young := report("2024-09", 2, now.Add(-day), true)
		job := &jobs.RetentionJob{Store: st, Policy: store.RetentionPolicy{Reports: 730 * day}, Now: func() time.Time { return now }}
		res, _, err := job.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.ReportsDeleted != 2 {
			t.Errorf("%d reports deleted, want 2", res.ReportsDeleted)
		}
		for _, r := range []store.ReportArchive{old, gone} {
			if _, err := os.Stat(r.Path); !os.IsNotExist(err) {
				t.Errorf("%s: the file is still there (%v)", r.Month, err)
			}
		}
		if _, err := os.Stat(young.Path); err != nil {
			t.Errorf("the young report's file is gone: %v", err)
		}
		var left []string
		storetest.DB(ctx, st).Model(&store.ReportArchive{}).Order("month").Pluck("month", &left)
		if strings.Join(left, ",") != "2024-09" {
			t.Errorf("archive rows left %v, want only 2024-09's second rendering", left)
		}
	})
}
