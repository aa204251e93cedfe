package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/custos-msp/custos/mapping"
	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/sync"
)

// SyncJob pulls what its Pull says (every stream of the configured connectors), then
// ties what they brought to customers.
type SyncJob struct {
	Pull    func(ctx context.Context) ([]sync.Result, error)
	Store   *store.Store
	Mapping mapping.Options
	Now     func() time.Time
}

// Run pulls, then resolves the mapping even when a pull failed: what succeeded is kept.
func (j *SyncJob) Run(ctx context.Context) ([]sync.Result, Counts, error) {
	results, pullErr := j.Pull(ctx)
	counts := Counts{}
	for _, r := range results {
		counts["records"] += r.Records
		counts["removed"] += r.Removed
		counts["pulls_"+string(r.Outcome)]++
	}
	m, mapErr := mapping.Resolve(ctx, j.Store, j.Mapping, j.Now())
	counts["customers_created"] = m.Created
	counts["links_made"] = m.Linked
	counts["unresolved"] = m.Unresolved
	return results, counts, errors.Join(pullErr, mapErr)
}

// ReconcileJob resolves mappings and evaluates the rules.
type ReconcileJob struct {
	Store   *store.Store
	Engine  *reconcile.Engine
	Mapping mapping.Options
	Now     func() time.Time
	// ObserveRule records each rule's evaluation (metrics.Metrics.ObserveRule); nil
	// records nothing.
	ObserveRule func(rule string, d time.Duration, failed bool)
}

// Run evaluates every rule at the job's clock.
func (j *ReconcileJob) Run(ctx context.Context) (reconcile.Result, Counts, error) {
	return j.RunScope(ctx, reconcile.Scope{})
}

// RunScope evaluates every rule at the job's clock, checking the access events of
// scope's customers only.
func (j *ReconcileJob) RunScope(ctx context.Context, scope reconcile.Scope) (reconcile.Result, Counts, error) {
	now := j.Now()
	if _, err := mapping.Resolve(ctx, j.Store, j.Mapping, now); err != nil {
		return reconcile.Result{}, nil, err
	}
	res, err := j.Engine.RunScope(ctx, now, scope)
	failed := res.Health.Failed()
	counts := Counts{"opened": res.Opened, "reopened": res.Reopened, "updated": res.Updated, "resolved": res.Resolved,
		"rules_evaluated": len(res.Health), "rules_failed": len(failed), "events_checked": res.Events}
	if !res.Scope.Full && res.Scope.Customers != nil {
		// What the run checked: how many customers, and of them how many on some days only.
		counts["customers_checked"], counts["customers_checked_by_day"] = len(res.Scope.Customers), len(res.Scope.Days)
	}
	for _, h := range res.Health {
		if j.ObserveRule != nil {
			j.ObserveRule(h.Rule, h.Duration, h.Err != nil)
		}
	}
	if err == nil && len(failed) > 0 {
		err = fmt.Errorf("reconcile: rules failed: %s", failed)
	}
	return res, counts, err
}
