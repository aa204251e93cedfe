package reconcile

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
)

// ended reports whether a GDAP relationship status means it no longer grants access.
func ended(status string) bool {
	switch strings.ToLower(status) {
	case "expired", "terminated":
		return true
	}
	return false
}

// relationshipFinding is a finding about one relationship.
func relationshipFinding(rule string, severity vocab.Severity, r store.Relationship, summary string) Finding {
	return Finding{
		Rule: rule, Subject: record.SourceM365 + ":relationship:" + r.SourceID, CustomerID: r.CustomerID, Severity: severity,
		Summary: summary, Evidence: []string{store.Ref[store.Relationship](r.ID)},
	}
}

// relationshipName names a relationship and its customer in a summary.
func relationshipName(r store.Relationship) string {
	return fmt.Sprintf("GDAP relationship %q with %s", cmp.Or(r.DisplayName, r.SourceID), cmp.Or(r.CustomerName, "tenant "+r.CustomerRef))
}
