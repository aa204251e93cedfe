package reconcile

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/custos-msp/custos/store"
)

// Replay is what re-evaluating the stored records would change, by finding.
type Replay struct {
	Items []store.PreviewItem
	// Failed lists the rules that panicked; they are left out of the preview.
	Failed          []string
	Events, Covered int
}

// Replay evaluates every rule at now over the access events since that time and
// says what recording the result would do, changing nothing: not the findings, not
// the stored decisions. Access findings first seen before since are outside the
// replayed window, so they are never reported as resolving.
func (e *Engine) Replay(ctx context.Context, now, since time.Time) (Replay, error) {
	ev, err := e.Evaluate(ctx, now, since)
	r := Replay{Failed: ev.Failed, Events: ev.Events, Covered: ev.Covered}
	if err != nil {
		return r, err
	}
	items, err := e.Store.PreviewFindings(ctx, ev.Evaluated, ev.Found, now)
	if err != nil {
		return r, fmt.Errorf("reconcile: replay: %w", err)
	}
	var access []string
	if e.Access != nil {
		access = e.Access.Rules()
	}
	r.Items = slices.DeleteFunc(items, func(it store.PreviewItem) bool {
		return it.Outcome == store.PreviewResolve && slices.Contains(access, it.Rule) && it.FirstSeen.Before(since)
	})
	return r, nil
}
