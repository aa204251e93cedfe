package reconcile

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/custos-msp/custos/findings"
	"github.com/custos-msp/custos/store"
)

// Replay is what re-evaluating the stored records would change, by finding.
type Replay struct {
	Items []findings.PreviewItem
	// Health is each rule's health; the rules that failed are left out of the preview.
	Health          Healths
	Events, Covered int
}

// Replay evaluates every rule at now over the access events since that time and
// says what recording the result would do, changing nothing: not the findings, not
// the stored decisions. An access finding whose events all started before since is
// outside the replayed window, so it is never reported as resolving.
func (e *Engine) Replay(ctx context.Context, now, since time.Time) (Replay, error) {
	ev, err := e.Evaluate(ctx, now, since)
	r := Replay{Health: ev.Health, Events: ev.Events, Covered: ev.Covered}
	if err != nil {
		return r, err
	}
	items, err := findings.Preview(ctx, e.Store, ev.Evaluated, ev.Found, now)
	if err != nil {
		return r, fmt.Errorf("reconcile: replay: %w", err)
	}
	outside, err := e.beforeWindow(ctx, items, since)
	if err != nil {
		return r, fmt.Errorf("reconcile: replay: %w", err)
	}
	r.Items = slices.DeleteFunc(items, func(it findings.PreviewItem) bool { return outside[it.Fingerprint] })
	return r, nil
}

// beforeWindow returns the fingerprints of the access findings that would resolve
// only because their events started before since and were not replayed.
func (e *Engine) beforeWindow(ctx context.Context, items []findings.PreviewItem, since time.Time) (map[string]bool, error) {
	if e.Access == nil {
		return nil, nil
	}
	access := e.Access.Rules()
	out := map[string]bool{}
	for _, it := range items {
		if it.Outcome != findings.PreviewResolve || !slices.Contains(access, it.Rule) {
			continue
		}
		events, err := e.Store.AccessEventsByID(ctx, store.EvidenceIDs(it.Evidence, "access_events"))
		if err != nil {
			return nil, err
		}
		out[it.Fingerprint] = !slices.ContainsFunc(events, func(ev store.AccessEventView) bool { return !ev.StartedAt.Before(since) })
	}
	return out, nil
}
