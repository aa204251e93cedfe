package main

import (
	"context"
	"fmt"
	"io"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/findings"
)

// changeWords says what a change did to a finding.
var changeWords = map[findings.Kind]string{
	findings.Open: "opened", findings.Reopen: "re-opened", findings.Escalate: "escalated",
	findings.Suppress: "suppressed", findings.Unsuppress: "opened again", findings.Resolve: "resolved",
}

// reconcileAfter reconciles after a command changed authorisations, backups or links,
// so that the findings follow at once, and prints each finding that changed.
func reconcileAfter(ctx context.Context, w io.Writer, a *app.App) error {
	changes, res, err := a.ReconcileChanges(ctx)
	if err != nil {
		return fmt.Errorf("the change is recorded, but reconciling after it failed (run `custos reconcile`): %w", err)
	}
	writeChanges(w, changes)
	for _, h := range res.Health.Failed() {
		fmt.Fprintf(w, "rule %s failed, its findings are left as they were: %v\n", h.Rule, h.Err)
	}
	return nil
}

// writeChanges prints one line per finding a reconcile changed, e.g.
// "finding 25 resolved: covered by authorisation 7".
func writeChanges(w io.Writer, changes []app.Change) {
	for _, c := range changes {
		why := c.Why
		if why == "" {
			why = c.Rule + ": " + c.Summary
		}
		fmt.Fprintf(w, "finding %d %s: %s\n", c.FindingID, changeWords[c.Kind], why)
	}
}
