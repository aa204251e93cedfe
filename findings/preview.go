package findings

import (
	"context"
	"time"

	"github.com/custos-msp/custos/store"
)

// Preview outcomes: what recording an evaluation would do with a finding, as
// `custos replay --dry-run` counts them.
const (
	PreviewNew        = "new"
	PreviewReopen     = "reopen"
	PreviewOpen       = "already open"
	PreviewSuppressed = "suppressed"
	PreviewResolve    = "resolve"
)

// PreviewItem is one finding of a preview and what recording it would do.
type PreviewItem struct {
	Input
	CustomerName string
	// Outcome is one of the Preview outcomes.
	Outcome string
	// Reason names the exclusion that would suppress the finding.
	Reason string
}

// Outcome summarises the change for a preview: a finding an exclusion matches is
// suppressed, whatever it was before; re-opened and unsuppressed ones re-open; a
// finding escalated or refreshed is already open.
func (c Change) Outcome() string {
	switch {
	case c.Exclusion != nil:
		return PreviewSuppressed
	case c.Kind == Open:
		return PreviewNew
	case c.Kind == Reopen || c.Kind == Unsuppress:
		return PreviewReopen
	case c.Kind == Resolve:
		return PreviewResolve
	}
	return PreviewOpen
}

// Preview says what Apply would do with an evaluation of rules at now — open,
// re-open, refresh, suppress or resolve each finding — and changes nothing. Items
// come in the order found, then the findings that would resolve.
func Preview(ctx context.Context, rows Rows, rules []string, found []Input, now time.Time) ([]PreviewItem, error) {
	scope := store.FindingScope{Rules: rules}
	state, err := rows.ReadFindingState(ctx, scope, now)
	if err != nil {
		return nil, err
	}
	p, err := PlanChanges(scope, state, found, now)
	if err != nil {
		return nil, err
	}
	names, err := rows.ReadNames(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]PreviewItem, len(p.Changes))
	for i, c := range p.Changes {
		f := &c.Finding
		out[i] = PreviewItem{Outcome: c.Outcome(), Input: Input{
			Rule: f.Rule, Fingerprint: f.Fingerprint, Subject: f.Subject, CustomerID: f.CustomerID,
			Severity: f.Severity, Summary: f.Summary, Evidence: f.Evidence, TechnicianID: f.TechnicianID, DeviceID: f.DeviceID,
		}}
		if f.CustomerID != nil {
			out[i].CustomerName = names.Customers[*f.CustomerID]
		}
		if c.Exclusion != nil {
			out[i].Reason = f.StatusReason
		}
	}
	return out, nil
}
