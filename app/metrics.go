package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/custos-msp/custos/metrics"
	"github.com/custos-msp/custos/notify"
	"github.com/custos-msp/custos/store"
)

// RefreshMetrics sets the metrics that mirror the store from what it holds now: the
// open findings, the last success of each job and of each enabled stream's scope,
// and the failing receivers. The daemon calls it at start, so that the first scrape
// tells the truth, and then every so often, so that a replica that did not run a job
// still reports its outcome; the jobs update the same metrics, with the same
// functions, when they finish.
func (a *App) RefreshMetrics(ctx context.Context) error {
	return errors.Join(a.updateFindingGauge(ctx), a.updateJobGauge(ctx), a.updateCoverageGauge(ctx), a.updateReceiverGauge(ctx))
}

// warnMetric logs a failure to update a metric after a job; the job's outcome stands.
func (a *App) warnMetric(err error, what string) {
	if err != nil {
		a.Log.Warn().Err(err).Msgf("updating the %s metric", what)
	}
}

// updateFindingGauge publishes how many findings are open per rule and severity.
func (a *App) updateFindingGauge(ctx context.Context) error {
	counts, err := a.Store.OpenFindingCounts(ctx)
	if err != nil {
		return err
	}
	byKey := make(map[metrics.FindingKey]int, len(counts))
	for _, c := range counts {
		byKey[metrics.FindingKey{Rule: c.Rule, Severity: string(c.Severity)}] = c.Count
	}
	a.Metrics.SetOpenFindings(byKey)
	return nil
}

// updateJobGauge publishes when each job last succeeded for each scope, as the run
// history says.
func (a *App) updateJobGauge(ctx context.Context) error {
	successes, err := a.Store.JobSuccesses(ctx)
	if err != nil {
		return err
	}
	for _, s := range successes {
		a.Metrics.SetJobLastSuccess(s.Job, s.Scope, s.FinishedAt)
	}
	return nil
}

// updateCoverageGauge publishes when each stream of an enabled connector last read
// each of its scopes successfully.
func (a *App) updateCoverageGauge(ctx context.Context) error {
	healths, err := a.Store.StreamHealths(ctx)
	if err != nil {
		return err
	}
	enabled := a.enabledConnectors()
	lastOK := make(map[metrics.ScopeKey]time.Time, len(healths))
	for _, h := range healths {
		if !slices.Contains(enabled, h.Connector) {
			continue
		}
		var t time.Time
		if h.LastOK != nil {
			t = *h.LastOK
		}
		lastOK[metrics.ScopeKey{Connector: h.Connector, Stream: h.Stream, Scope: h.Scope}] = t
	}
	a.Metrics.SetCoverage(lastOK)
	return nil
}

// updateReceiverGauge publishes which configured receivers are failing.
func (a *App) updateReceiverGauge(ctx context.Context) error {
	p, err := a.Notifier()
	if err != nil {
		return err
	}
	failing, err := p.Failing(ctx)
	if err != nil {
		return fmt.Errorf("reading receiver health: %w", err)
	}
	a.Metrics.SetReceivers(receiverStates(p, failing))
	return nil
}

// receiverStates says, for each receiver p has, whether it is among failing.
func receiverStates(p *notify.Pipeline, failing []store.ReceiverHealth) map[string]bool {
	states := make(map[string]bool, len(p.Receivers))
	for name := range p.Receivers {
		states[name] = false
	}
	for _, h := range failing {
		states[h.Receiver] = true
	}
	return states
}
