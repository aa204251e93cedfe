package reconcile

import (
	"fmt"
	"strings"
	"time"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
)

// RuleRecordsQuarantined is the id of RECORDS-QUARANTINED.
const RuleRecordsQuarantined = "RECORDS-QUARANTINED"

var recordsQuarantined = Spec{
	Key: "records_quarantined", Severity: vocab.Medium,
	Description: "a source sent records for a scope that do not decode, so they are quarantined and unchecked (`custos quarantine` lists them)",
	New:         func() Settings { return &RecordsQuarantined{} },
}

// RecordsQuarantined flags each source and scope with quarantined records: one
// finding per source and scope, saying how many, which ids and the first error.
type RecordsQuarantined struct {
	Base
}

// ID implements Rule.
func (RecordsQuarantined) ID() string { return RuleRecordsQuarantined }

// quarantinedIDsShown bounds the ids a summary names.
const quarantinedIDsShown = 5

// Evaluate implements Rule. in.Quarantined is ordered by source, stream, scope and
// first seen, so the first row of a source and scope holds its oldest error.
func (r RecordsQuarantined) Evaluate(in *Input, _ time.Time) []Finding {
	type group struct {
		source, scope string
		rows          []store.QuarantinedRecord
	}
	var groups []*group
	index := map[string]*group{}
	for _, q := range in.Quarantined {
		key := q.Source + "/" + q.Scope
		g, ok := index[key]
		if !ok {
			g = &group{source: q.Source, scope: q.Scope}
			index[key] = g
			groups = append(groups, g)
		}
		g.rows = append(g.rows, q)
	}
	out := make([]Finding, 0, len(groups))
	for _, g := range groups {
		first := g.rows[0]
		var ids []string
		unnamed := 0
		evidence := make([]string, len(g.rows))
		for i, q := range g.rows {
			evidence[i] = store.Ref[store.QuarantinedRecord](q.ID)
			if q.FirstSeenAt.Before(first.FirstSeenAt) {
				first = q
			}
			if q.SourceID == "" {
				unnamed++
			} else {
				ids = append(ids, q.SourceID)
			}
		}
		customer, name := in.scopeOf(g.source, g.scope)
		out = append(out, Finding{
			Rule: RuleRecordsQuarantined, Subject: "quarantined:" + g.source + "/" + g.scope, CustomerID: customer,
			Severity: r.Severity, Evidence: evidence,
			Summary: fmt.Sprintf("%d %s record(s) of %s did not decode and are quarantined, so they are unchecked (%s); first error: %s (%s)",
				len(g.rows), g.source, name, quarantinedIDs(ids, unnamed), first.Error, first.Page),
		})
	}
	return out
}

// quarantinedIDs names the ids, at most quarantinedIDsShown of them, and how many
// records have none.
func quarantinedIDs(ids []string, unnamed int) string {
	var parts []string
	if len(ids) > 0 {
		shown := ids[:min(len(ids), quarantinedIDsShown)]
		s := "ids " + strings.Join(shown, ", ")
		if more := len(ids) - len(shown); more > 0 {
			s += fmt.Sprintf(" and %d more", more)
		}
		parts = append(parts, s)
	}
	if unnamed > 0 {
		parts = append(parts, fmt.Sprintf("%d without an id, so no row of the scope is marked removed", unnamed))
	}
	return strings.Join(parts, "; ")
}

// scopeOf returns the customer a source's scope is linked to, from its pulls'
// health, and the scope's name for a summary.
func (in *Input) scopeOf(source, scope string) (*uint, string) {
	if scope == accountScope {
		return nil, "the whole " + source + " account"
	}
	for _, h := range in.Health {
		if h.Connector == source && h.Scope == scope {
			return h.CustomerID, in.scopeName(h)
		}
	}
	return nil, scope
}

// accountScope is the id of the scope of a stream that reads a whole vendor account
// (connectors.Account).
const accountScope = "account"
