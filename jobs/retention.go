package jobs

import (
	"context"
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
	}
	return res, counts, err
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
	}
}
