package store

import (
	"fmt"
	"slices"

	"gorm.io/gorm"
)

// change is what recording one evaluation does to one finding: ApplyFindings
// carries it out and PreviewFindings reports it.
type change struct {
	in FindingInput
	// existing is the stored finding; nil for a new one.
	existing *Finding
	// outcome is one of the Preview* outcomes.
	outcome string
	// exclusion is the exclusion that suppresses the finding, if one does.
	exclusion *Exclusion
}

// findingScope says which stored findings one evaluation speaks for: those of its
// rules and, when customer is set, of that customer only.
type findingScope struct {
	rules    []string
	customer *uint
}

// existing reads the stored findings of the scope, in id order.
func (sc findingScope) existing(tx *gorm.DB) ([]Finding, error) {
	q := tx.Where("rule IN ?", sc.rules)
	if sc.customer != nil {
		q = q.Where("customer_id = ?", *sc.customer)
	}
	var out []Finding
	if err := q.Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: reading findings: %w", err)
	}
	return out, nil
}

// planChanges decides, for every reported finding and every stored finding of the
// scope that was not reported again, what recording the evaluation does. Reported
// findings come first, in the order found (each fingerprint once), then the
// resolutions in id order. A finding outside the scope is an error.
func planChanges(sc findingScope, existing []Finding, found []FindingInput, exclusions []Exclusion) ([]change, error) {
	byFingerprint := make(map[string]*Finding, len(existing))
	for i := range existing {
		byFingerprint[existing[i].Fingerprint] = &existing[i]
	}
	seen := make(map[string]bool, len(found))
	out := make([]change, 0, len(found))
	for _, in := range found {
		if !slices.Contains(sc.rules, in.Rule) {
			return nil, fmt.Errorf("store: finding of rule %s reported in an evaluation of %v", in.Rule, sc.rules)
		}
		if sc.customer != nil && (in.CustomerID == nil || *in.CustomerID != *sc.customer) {
			return nil, fmt.Errorf("store: finding %s of another customer reported in an evaluation of customer %d", in.Fingerprint, *sc.customer)
		}
		if seen[in.Fingerprint] {
			continue
		}
		seen[in.Fingerprint] = true
		c := change{in: in, existing: byFingerprint[in.Fingerprint], outcome: PreviewNew}
		switch {
		case c.existing == nil:
		case c.existing.Status == StatusResolved || c.existing.Status == StatusSuppressed:
			c.outcome = PreviewReopen
		default:
			c.outcome = PreviewOpen
		}
		if c.exclusion = matchExclusion(exclusions, in); c.exclusion != nil {
			c.outcome = PreviewSuppressed
		}
		out = append(out, c)
	}
	for i := range existing {
		f := &existing[i]
		if seen[f.Fingerprint] || f.Status == StatusResolved {
			continue
		}
		out = append(out, change{in: f.input(), existing: f, outcome: PreviewResolve})
	}
	return out, nil
}

// input is what a rule would report to give the finding as it is stored.
func (f *Finding) input() FindingInput {
	return FindingInput{
		Rule: f.Rule, Fingerprint: f.Fingerprint, Subject: f.Subject, CustomerID: f.CustomerID,
		Severity: f.Severity, Summary: f.Summary, Evidence: f.Evidence,
		TechnicianID: f.TechnicianID, DeviceID: f.DeviceID,
	}
}

// sameContent reports whether the stored finding already says what in says.
func (f *Finding) sameContent(in FindingInput) bool {
	return f.Subject == in.Subject && f.Severity == in.Severity && f.Summary == in.Summary && f.Evidence == in.Evidence &&
		sameID(f.CustomerID, in.CustomerID) && sameID(f.TechnicianID, in.TechnicianID) && sameID(f.DeviceID, in.DeviceID)
}

func sameID(a, b *uint) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}
