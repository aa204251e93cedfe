package reconcile

import (
	"cmp"
	"fmt"
	"time"

	"github.com/custos-msp/custos/acts"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
)

// RuleAccessAfterRevoke is the id of ACCESS-AFTER-REVOKE.
const RuleAccessAfterRevoke = "ACCESS-AFTER-REVOKE"

var accessAfterRevoke = Spec{
	Key: "access_after_revoke", Severity: vocab.Critical,
	Description: "partner access to a Microsoft 365 tenant happened after the customer ended the GDAP relationship",
	New:         func() Settings { return &AccessAfterRevoke{} },
}

// AccessAfterRevoke flags partner access to a tenant at a time when none of its
// relationships was active and one had already ended: one finding per tenant and day.
type AccessAfterRevoke struct {
	Base
}

// ID implements Rule.
func (AccessAfterRevoke) ID() string { return RuleAccessAfterRevoke }

// Evaluate implements Rule.
func (r AccessAfterRevoke) Evaluate(in *Input, _ time.Time) []Finding {
	byTenant := map[string][]store.Relationship{}
	for _, rel := range in.Relationships {
		byTenant[rel.CustomerRef] = append(byTenant[rel.CustomerRef], rel)
	}
	var out []Finding
	index := map[string]int{}
	for _, e := range in.PartnerAccess {
		last, covered := lastEnded(byTenant[e.CustomerRef], e.StartedAt)
		if covered || last == nil {
			continue
		}
		key := e.CustomerRef + ":" + e.StartedAt.UTC().Format(time.DateOnly)
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, Finding{
				Rule: RuleAccessAfterRevoke, Subject: record.SourceM365 + ":after-revoke:" + key, CustomerID: e.CustomerID, Severity: r.Severity,
				Evidence: []string{store.Ref[store.Relationship](last.ID)},
				Summary: fmt.Sprintf("partner access to %s on %s after %s ended %s: first %s %s at %s",
					cmp.Or(last.CustomerName, "tenant "+e.CustomerRef), e.StartedAt.UTC().Format(time.DateOnly),
					relationshipName(*last), last.EndedAt.UTC().Format(clock), who(&e, in.Names), acts.Of(&e),
					e.StartedAt.UTC().Format(clock)),
			})
		}
		if len(out[i].Evidence) <= maxEvidence {
			out[i].Evidence = append(out[i].Evidence, store.Ref[store.AccessEvent](e.ID))
		}
	}
	return out
}

// lastEnded returns the relationship of the tenant that ended last at or before t,
// and whether any relationship was active at t.
func lastEnded(rels []store.Relationship, t time.Time) (*store.Relationship, bool) {
	var last *store.Relationship
	for i := range rels {
		rel := &rels[i]
		endedAt := rel.EndedAt
		if !ended(rel.Status) {
			endedAt = nil
		}
		if rel.StartedAt != nil && !rel.StartedAt.After(t) && (endedAt == nil || endedAt.After(t)) {
			return nil, true
		}
		if endedAt != nil && !endedAt.After(t) && (last == nil || endedAt.After(*last.EndedAt)) {
			last = rel
		}
	}
	return last, false
}
