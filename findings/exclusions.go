package findings

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/custos-msp/custos/store"
)

// match returns the first exclusion whose scope covers the finding.
func match(xs []store.Exclusion, in Input) *store.Exclusion {
	for i := range xs {
		x := &xs[i]
		if (x.Rule == "" || strings.EqualFold(x.Rule, in.Rule)) &&
			idMatches(x.CustomerID, in.CustomerID) && idMatches(x.TechnicianID, in.TechnicianID) && idMatches(x.DeviceID, in.DeviceID) {
			return x
		}
	}
	return nil
}

// Covers reports whether the scope of exclusion x covers finding f, as reconcile
// decides it.
func Covers(x store.Exclusion, f store.Finding) bool {
	return match([]store.Exclusion{x}, Input{Rule: f.Rule, CustomerID: f.CustomerID, TechnicianID: f.TechnicianID, DeviceID: f.DeviceID}) != nil
}

// idMatches reports whether a scope id (nil = any) admits a finding's id.
func idMatches(scope, id *uint) bool {
	return scope == nil || (id != nil && *id == *scope)
}

// describe is the status reason of a finding the exclusion suppresses; it starts
// with exclusionPrefix.
func describe(x *store.Exclusion) string {
	return fmt.Sprintf("%suntil %s: %s", exclusionPrefix(x.ID), x.ExpiresAt.UTC().Format(time.DateOnly), x.Reason)
}

// exclusionPrefix starts the status reason of every finding exclusion id suppresses.
func exclusionPrefix(id uint) string { return fmt.Sprintf("exclusion %d ", id) }

// Counter counts stored findings; *store.Store is one.
type Counter interface {
	CountFindings(ctx context.Context, f store.FindingFilter) (int64, error)
}

// SuppressedBy counts the findings exclusion id suppresses now.
func SuppressedBy(ctx context.Context, st Counter, id uint) (int64, error) {
	n, err := st.CountFindings(ctx, store.FindingFilter{Status: store.StatusSuppressed, ReasonPrefix: exclusionPrefix(id)})
	if err != nil {
		return 0, fmt.Errorf("findings: counting the findings exclusion %d suppresses: %w", id, err)
	}
	return n, nil
}
