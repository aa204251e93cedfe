package reconcile

import (
	"fmt"
	"time"

	"github.com/custos-msp/custos/vocab"
)

// RuleMappingUnresolved is the id of MAPPING-UNRESOLVED.
const RuleMappingUnresolved = "MAPPING-UNRESOLVED"

var mappingUnresolved = Spec{
	Key: "mapping_unresolved", Severity: vocab.Low,
	Description: "a record could not be tied to a customer or technician, so it could not be checked",
	New:         func() Settings { return &MappingUnresolved{} },
}

// MappingUnresolved fires for a source's company or technician name that mapping
// could not tie to a customer or technician while access events or agents name it:
// those records cannot be checked.
type MappingUnresolved struct {
	Base
}

// ID implements Rule.
func (MappingUnresolved) ID() string { return RuleMappingUnresolved }

// Evaluate implements Rule.
func (r MappingUnresolved) Evaluate(in *Input, _ time.Time) []Finding {
	out := make([]Finding, 0, len(in.Unresolved))
	for _, u := range in.Unresolved {
		what := fmt.Sprintf("%s %s %q matches no %s", u.Source, u.Kind, u.Name, u.Kind)
		if u.Ref == "" {
			what = fmt.Sprintf("%s records name no %s", u.Source, u.Kind)
		}
		out = append(out, Finding{
			Rule:     r.ID(),
			Subject:  fmt.Sprintf("%s:%s:%s", u.Source, u.Kind, u.Ref),
			Severity: r.Severity,
			Summary: fmt.Sprintf("%s: %d records from %s to %s cannot be checked (custos map --unresolved)",
				what, u.Records, u.First.Format(time.DateOnly), u.Last.Format(time.DateOnly)),
		})
	}
	return out
}
