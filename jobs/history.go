// Package jobs holds the job catalogue (what sync and reconcile do as a whole), the
// scheduler with the leases that let one replica run each slot, and the run history
// every job writes.
package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/store"
)

// Counts is what a run did, e.g. {"records": 120, "opened": 2}.
type Counts map[string]int

// DefaultRunLease is how long a run's lease lasts when the Runner sets none.
const DefaultRunLease = 2 * time.Minute

// Runner runs jobs and records each run.
type Runner struct {
	Store *store.Store
	Log   zerolog.Logger
	Now   func() time.Time
	// LeaseTTL is how long a run is taken as alive without its process renewing it
	// (every third of it); DefaultRunLease when zero. A run whose lease expired is
	// marked abandoned, so a killed process's run does not stay running forever.
	LeaseTTL time.Duration
	// Observe, when set, is told about every finished run (metrics).
	Observe func(job, scope, outcome string, started, finished time.Time)
}

// Run executes f as the job for the scope and records the run: start, end, outcome,
// counts and error. While f runs, the run's lease is renewed. It returns f's error.
// Before it starts, it marks the runs whose lease expired as abandoned.
func (r *Runner) Run(ctx context.Context, job, scope string, f func(context.Context) (Counts, error)) error {
	start := r.now()
	if n, err := r.Store.AbandonJobRuns(ctx, start); err != nil {
		r.Log.Warn().Err(err).Msg("marking abandoned job runs")
	} else if n > 0 {
		r.Log.Warn().Int("runs", n).Msg("job runs abandoned: their process stopped before they finished")
	}
	expires := start.Add(r.leaseTTL())
	run := store.JobRun{Job: job, Scope: scope, StartedAt: start, Outcome: store.JobRunning, LeaseExpiresAt: &expires}
	if err := r.Store.RecordJobRun(ctx, &run); err != nil {
		return fmt.Errorf("jobs: recording start: %w", err)
	}
	renewCtx, stopRenewing := context.WithCancel(ctx)
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		every(renewCtx, r.leaseTTL()/3, func() bool {
			if err := r.Store.RenewJobRun(context.WithoutCancel(renewCtx), run.ID, r.now().Add(r.leaseTTL())); err != nil {
				r.Log.Warn().Err(err).Str("job", job).Msg("renewing the run's lease")
			}
			return true
		})
	}()
	counts, err := f(ctx)
	stopRenewing()
	<-renewed
	finished := r.now()
	run.FinishedAt = &finished
	run.Outcome = store.JobOK
	if err != nil {
		run.Outcome = store.JobFailed
		run.Error = err.Error()
	}
	if b, jerr := json.Marshal(counts); jerr == nil {
		run.Counts = string(b)
	}
	if serr := r.Store.UpdateJobRun(context.WithoutCancel(ctx), &run); serr != nil {
		r.Log.Error().Err(serr).Str("job", job).Msg("recording end of job run")
	}
	if r.Observe != nil {
		r.Observe(job, scope, run.Outcome, run.StartedAt, finished)
	}
	r.Log.Info().Str("job", job).Str("scope", scope).Str("outcome", run.Outcome).
		Dur("took", finished.Sub(run.StartedAt)).Interface("counts", counts).Msg("job finished")
	return err
}

func (r *Runner) leaseTTL() time.Duration {
	if r.LeaseTTL > 0 {
		return r.LeaseTTL
	}
	return DefaultRunLease
}

// every calls f each interval (at least 10 ms) until ctx ends or f returns false.
func every(ctx context.Context, interval time.Duration, f func() bool) {
	tick := time.NewTicker(max(interval, 10*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if !f() {
				return
			}
		}
	}
}

// Skipped records that slots of the job were skipped because a run overran them.
func (r *Runner) Skipped(ctx context.Context, job, scope string, slots int) {
	now := r.now()
	run := store.JobRun{
		Job: job, Scope: scope, StartedAt: now, FinishedAt: &now, Outcome: store.JobSkipped,
		Counts: fmt.Sprintf(`{"slots":%d}`, slots), Error: "previous run still in progress",
	}
	if err := r.Store.RecordJobRun(ctx, &run); err != nil {
		r.Log.Error().Err(err).Str("job", job).Msg("recording skipped slots")
	}
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}
