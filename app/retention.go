package app

import (
	"context"

	"github.com/custos-msp/custos/jobs"
	"github.com/custos-msp/custos/store"
)

func (a *App) retentionJob() *jobs.RetentionJob {
	return &jobs.RetentionJob{Store: a.Store, Policy: jobs.PolicyFromConfig(a.Config.Retention), Now: a.now}
}

// Retention applies the retention policy now, as the daemon's retention job does,
// and records the run; with dryRun it only says what it would remove, changing
// nothing.
func (a *App) Retention(ctx context.Context, dryRun bool) (store.PruneResult, error) {
	job := a.retentionJob()
	if dryRun {
		res, err := a.Store.PrunePreview(ctx, job.Policy, a.now(), job.Batch)
		if err != nil || job.Policy.Reports <= 0 {
			return res, err
		}
		expired, err := a.Store.ExpiredReports(ctx, a.now().Add(-job.Policy.Reports))
		res.ReportsDeleted = len(expired)
		return res, err
	}
	var res store.PruneResult
	err := a.runner.Run(ctx, "retention", "all", func(ctx context.Context) (jobs.Counts, error) {
		r, counts, err := job.Run(ctx)
		res = r
		return counts, err
	})
	return res, err
}
