// Package sizing measures what Custos needs for an MSP of a given size. It fills a
// scratch store with synthetic data (package synth) through the sync's own ingest,
// then times identity mapping and reconcile, one after the other as the daemon's
// reconcile job runs them: the first run, a run with nothing changed, and a run
// after a day's new data, with the process's peak memory during each.
package sizing

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/mapping"
	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/synth"
)

// Options says what to measure.
type Options struct {
	Size synth.Size
	// Seed draws the synthetic data; the same seed makes the same data.
	Seed uint64
	// Rules are the reconcile rules to run, as configured.
	Rules *reconcile.RuleSet
	Log   zerolog.Logger
	// Started, when set, is told the name of each phase as it starts.
	Started func(phase string)
}

// Phase is what one step cost.
type Phase struct {
	Name string
	// Records counts the records an ingest phase wrote; Events the access events a
	// reconcile phase checked, Covered those an authorisation covered, and Opened
	// the findings it opened.
	Records, Events, Covered, Opened int
	// Elapsed is the whole phase; of a reconcile phase, Mapping is the identity
	// mapping that began it and the rest is reconcile.
	Elapsed, Mapping time.Duration
	Peak             Peak
}

// Phase names, in the order Run measures them.
const (
	PhaseIngest       = "ingest"
	PhaseFirstRun     = "first run"
	PhaseUnchanged    = "unchanged run"
	PhaseIngestChange = "ingest of a day's new data"
	PhaseChangedRun   = "run after a day's new data"
)

// Run measures st, which must be empty and is filled with the synthetic data.
func Run(ctx context.Context, st *store.Store, opts Options) ([]Phase, error) {
	if err := opts.Size.Check(); err != nil {
		return nil, err
	}
	data := synth.New(opts.Size, opts.Seed)
	clock := synth.Start.Add(synth.Span + time.Hour)
	engine := &reconcile.Engine{Store: st, Rules: opts.Rules.Rules, Access: opts.Rules.Access, Log: opts.Log}
	var out []Phase
	measure := func(name string, f func(*Phase) error) error {
		if opts.Started != nil {
			opts.Started(name)
		}
		p := Phase{Name: name}
		stop := SamplePeak()
		start := time.Now()
		err := f(&p)
		p.Elapsed = time.Since(start)
		p.Peak = stop()
		out = append(out, p)
		if err != nil {
			return fmt.Errorf("sizing: %s: %w", name, err)
		}
		return nil
	}
	ingest := func(pages func(time.Time) iter.Seq[store.Page]) func(*Phase) error {
		return func(p *Phase) error {
			for page := range pages(clock) {
				if err := st.CommitPage(ctx, page); err != nil {
					return err
				}
				p.Records += len(page.Records)
			}
			return nil
		}
	}
	// reconcileRun maps and reconciles as the daemon's reconcile job does
	// (jobs.ReconcileJob), timing the mapping apart.
	reconcileRun := func(p *Phase) error {
		clock = clock.Add(time.Hour)
		start := time.Now()
		if _, err := mapping.Resolve(ctx, st, synth.MappingOptions(), clock); err != nil {
			return err
		}
		p.Mapping = time.Since(start)
		res, err := engine.Run(ctx, clock)
		p.Events, p.Covered, p.Opened = res.Events, res.Covered, res.Opened
		return err
	}
	for _, step := range []struct {
		name string
		run  func(*Phase) error
	}{
		{PhaseIngest, ingest(data.Pages)},
		{PhaseFirstRun, reconcileRun},
		{PhaseUnchanged, reconcileRun},
		{PhaseIngestChange, ingest(data.Change)},
		{PhaseChangedRun, reconcileRun},
	} {
		if err := measure(step.name, step.run); err != nil {
			return out, err
		}
	}
	return out, nil
}
