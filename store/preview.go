package store

import (
	"context"
	"time"
)

// Preview outcomes: what ApplyFindings would do with a finding.
const (
	PreviewNew        = "new"
	PreviewReopen     = "reopen"
	PreviewOpen       = "already open"
	PreviewSuppressed = "suppressed"
	PreviewResolve    = "resolve"
)

// PreviewItem is one finding of a preview and what recording it would do.
type PreviewItem struct {
	FindingInput
	CustomerName string
	Outcome      string
	// ExistingID is the stored finding's id, 0 for a new one.
	ExistingID uint
	// FirstSeen is when the stored finding was first seen; zero for a new one.
	FirstSeen time.Time
	// Reason names the exclusion that would suppress the finding.
	Reason string
}

// PreviewFindings says what ApplyFindings would do with an evaluation of rules at
// now — open, re-open, refresh, suppress or resolve each finding — and changes
// nothing. Items come in the order found, then the findings that would resolve.
func (s *Store) PreviewFindings(ctx context.Context, rules []string, found []FindingInput, now time.Time) ([]PreviewItem, error) {
	db := s.db.WithContext(ctx)
	exclusions, err := activeExclusions(db, now)
	if err != nil {
		return nil, err
	}
	sc := findingScope{rules: rules}
	existing, err := sc.existing(db)
	if err != nil {
		return nil, err
	}
	changes, err := planChanges(sc, existing, found, exclusions)
	if err != nil {
		return nil, err
	}
	names, err := s.ReadNames(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]PreviewItem, len(changes))
	for i, c := range changes {
		out[i] = PreviewItem{FindingInput: c.in, Outcome: c.outcome}
		if c.in.CustomerID != nil {
			out[i].CustomerName = names.Customers[*c.in.CustomerID]
		}
		if c.existing != nil {
			out[i].ExistingID, out[i].FirstSeen = c.existing.ID, c.existing.FirstSeen
		}
		if c.exclusion != nil {
			out[i].Reason = c.exclusion.describe()
		}
	}
	return out, nil
}
