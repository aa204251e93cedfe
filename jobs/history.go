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

// Runner runs jobs and records each run.
type Runner struct {
	Store *store.Store
	Log   zerolog.Logger
	Now   func() time.Time
	// Observe, when set, is told about every finished run (metrics).
	Observe func(job, scope, outcome string, started, finished time.Time)
}

// Run executes f as the job for the scope and records the run: start, end, outcome,
// counts and error. It returns f's error.
func (r *Runner) Run(ctx context.Context, job, scope string, f func(context.Context) (Counts, error)) error {
	run := store.JobRun{Job: job, Scope: scope, StartedAt: r.now(), Outcome: "running"}
	if err := r.Store.RecordJobRun(ctx, &run); err != nil {
		return fmt.Errorf("jobs: recording start: %w", err)
	}
	counts, err := f(ctx)
	finished := r.now()
	run.FinishedAt = &finished
	run.Outcome = "ok"
	if err != nil {
		run.Outcome = "failed"
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

// Skipped records that slots of the job were skipped because a run overran them.
func (r *Runner) Skipped(ctx context.Context, job, scope string, slots int) {
	now := r.now()
	run := store.JobRun{
		Job: job, Scope: scope, StartedAt: now, FinishedAt: &now, Outcome: "skipped",
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
