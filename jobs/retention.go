package jobs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/store"
)

// RetentionJob deletes or clears what the retention policy no longer lets Custos keep.
type RetentionJob struct {
	Store  *store.Store
	Policy store.RetentionPolicy
	// Batch is how many rows one transaction prunes; store.DefaultPruneBatch when zero.
	Batch int
	Now   func() time.Time
}

// Run marks the runs whose lease expired as abandoned, so they are pruned like any
// finished run, then prunes at the job's clock and gives the freed pages back. On error the result and counts say what was pruned
// before it.
func (j *RetentionJob) Run(ctx context.Context) (store.PruneResult, Counts, error) {
	now := time.Now()
	if j.Now != nil {
		now = j.Now()
	}
	abandoned, err := j.Store.AbandonJobRuns(ctx, now)
	if err != nil {
		return store.PruneResult{}, Counts{}, err
	}
	res, err := j.Store.Prune(ctx, j.Policy, now, j.Batch)
	if err == nil {
		res.ReportsDeleted, err = j.pruneReports(ctx, now)
	}
	if err == nil {
		err = j.Store.Reclaim(ctx)
	}
	counts := Counts{
		"job_runs_abandoned": abandoned,
		"raw_cleared":        res.RawCleared,
		"records_deleted":    res.OrganizationsDeleted + res.ConfigurationsDeleted,
		"backups_deleted":    res.BackupsDeleted,
		"coverage_deleted":   res.CoverageDeleted,
		"job_runs_deleted":   res.JobRunsDeleted,
		"findings_deleted":   res.FindingsDeleted,
		"reports_deleted":    res.ReportsDeleted,
		"audit_deleted":      res.AuditEntriesDeleted,
		"tokens_deleted":     res.TokensDeleted,
		"sessions_deleted":   res.SessionsDeleted,
	}
	return res, counts, err
}

// pruneReports deletes each rendered report written longer ago than the policy
// keeps them: its file first (one already gone is fine), then its archive row, so a
// crash between the two leaves a row whose file the next run finds gone.
func (j *RetentionJob) pruneReports(ctx context.Context, now time.Time) (int, error) {
	if j.Policy.Reports <= 0 {
		return 0, nil
	}
	expired, err := j.Store.ExpiredReports(ctx, now.Add(-j.Policy.Reports))
	if err != nil {
		return 0, err
	}
	for i, r := range expired {
		if err := os.Remove(r.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return i, fmt.Errorf("retention: deleting report %s: %w", r.Path, err)
		}
		if err := j.Store.DeleteReportArchive(ctx, r.ID); err != nil {
			return i, err
		}
	}
	return len(expired), nil
}

// PolicyFromConfig turns the retention section of the configuration into a policy.
func PolicyFromConfig(c config.Retention) store.RetentionPolicy {
	return store.RetentionPolicy{
		RawPayloads:      c.RawPayloads.Std(),
		RemovedRecords:   c.RemovedRecords.Std(),
		Coverage:         c.Coverage.Std(),
		JobRuns:          c.JobRuns.Std(),
		ResolvedFindings: c.ResolvedFindings.Std(),
		AccessEvents:     c.AccessEvents.Std(),
		PersonalData:     c.PersonalData.Std(),
		Deliveries:       c.Deliveries.Std(),
		Reports:          c.Reports.Std(),
		AuditTrail:       c.AuditTrail.Std(),
	}
}
