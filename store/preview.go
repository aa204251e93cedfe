package store

import (
	"context"
	"fmt"
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
	var existing []Finding
	if err := db.Where("rule IN ?", rules).Order("id").Find(&existing).Error; err != nil {
		return nil, fmt.Errorf("store: reading findings: %w", err)
	}
	byFingerprint := make(map[string]*Finding, len(existing))
	for i := range existing {
		byFingerprint[existing[i].Fingerprint] = &existing[i]
	}
	names, err := s.ReadNames(ctx)
	if err != nil {
		return nil, err
	}
	name := func(id *uint) string {
		if id == nil {
			return ""
		}
		return names.Customers[*id]
	}
	var out []PreviewItem
	seen := make(map[string]bool, len(found))
	for _, in := range found {
		if seen[in.Fingerprint] {
			continue
		}
		seen[in.Fingerprint] = true
		item := PreviewItem{FindingInput: in, CustomerName: name(in.CustomerID), Outcome: PreviewNew}
		if f, ok := byFingerprint[in.Fingerprint]; ok {
			item.ExistingID, item.FirstSeen = f.ID, f.FirstSeen
			switch f.Status {
			case StatusResolved, StatusSuppressed:
				item.Outcome = PreviewReopen
			default:
				item.Outcome = PreviewOpen
			}
		}
		if x := matchExclusion(exclusions, in); x != nil {
			item.Outcome, item.Reason = PreviewSuppressed, x.describe()
		}
		out = append(out, item)
	}
	for _, f := range existing {
		if seen[f.Fingerprint] || f.Status == StatusResolved {
			continue
		}
		out = append(out, PreviewItem{
			FindingInput: FindingInput{
				Rule: f.Rule, Fingerprint: f.Fingerprint, Subject: f.Subject, CustomerID: f.CustomerID,
				Severity: f.Severity, Summary: f.Summary, Evidence: f.Evidence,
				TechnicianID: f.TechnicianID, DeviceID: f.DeviceID,
			},
			CustomerName: name(f.CustomerID), Outcome: PreviewResolve, ExistingID: f.ID, FirstSeen: f.FirstSeen,
		})
	}
	return out, nil
}
