package app

import (
	"context"
	"fmt"

	"github.com/custos-msp/custos/findings"
	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/store"
)

// Change is what a reconcile did to one finding, said for a person: it opened,
// re-opened, escalated, was suppressed or resolved, and why.
type Change struct {
	FindingID uint          `json:"finding_id"`
	Rule      string        `json:"rule"`
	Kind      findings.Kind `json:"kind"`
	Summary   string        `json:"summary"`
	// Why is the reason of a resolution or suppression: for an access finding the
	// decision on its first event (e.g. "covered by authorisation 7"), for an
	// exclusion its description, otherwise the status reason.
	Why string `json:"why,omitempty"`
}

// ReconcileChanges reconciles now and says what changed: a command that changed
// authorisations, backups, links or exclusions calls it so that the findings follow
// at once. It re-checks the access events of the customers whose records changed
// since the last run (the store's change journal says which, whoever changed them),
// and evaluates the other rules whole.
func (a *App) ReconcileChanges(ctx context.Context) ([]Change, reconcile.Result, error) {
	res, err := a.reconcile(ctx, reconcile.Scope{}, true)
	if err != nil {
		return nil, res, err
	}
	changes, err := a.describeChanges(ctx, res.Changes)
	return changes, res, err
}

// describeChanges says each change of a reconcile for a person.
func (a *App) describeChanges(ctx context.Context, cs []findings.Change) ([]Change, error) {
	access := map[string]bool{}
	if a.Rules.Access != nil {
		for _, id := range a.Rules.Access.Rules() {
			access[id] = true
		}
	}
	out := make([]Change, len(cs))
	for i, c := range cs {
		f := c.Finding
		out[i] = Change{FindingID: f.ID, Rule: f.Rule, Kind: c.Kind, Summary: f.Summary}
		switch {
		case c.Kind == findings.Resolve && access[f.Rule]:
			events, err := a.Store.AccessEventsByID(ctx, store.EvidenceIDs(f.Evidence, "access_events"))
			if err != nil {
				return nil, fmt.Errorf("describing finding %d: %w", f.ID, err)
			}
			out[i].Why = f.StatusReason
			if len(events) > 0 {
				out[i].Why = events[0].Decision
			}
		case c.Kind == findings.Resolve || c.Kind == findings.Suppress || c.Kind == findings.Unsuppress:
			out[i].Why = f.StatusReason
		}
	}
	return out, nil
}
