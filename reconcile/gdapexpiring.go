package reconcile

import (
	"fmt"
	"strings"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/vocab"
)

// RuleGDAPExpiring is the id of GDAP-EXPIRING.
const RuleGDAPExpiring = "GDAP-EXPIRING"

var gdapExpiring = Spec{
	Key: "gdap_expiring", Severity: vocab.Medium,
	Description: "an active GDAP relationship ends within `within` and will not auto-extend",
	New:         func() Settings { return &GDAPExpiring{Within: duration.Duration(30 * 24 * time.Hour)} },
}

// GDAPExpiring flags an active relationship that ends within Within and will not
// auto-extend.
type GDAPExpiring struct {
	Base
	// Within is how close to its end a relationship that will not auto-extend is flagged.
	Within duration.Duration `toml:"within"`
}

// ID implements Rule.
func (GDAPExpiring) ID() string { return RuleGDAPExpiring }

// Validate checks the settings.
func (r *GDAPExpiring) Validate() []config.Problem {
	return positive("within", r.Within)
}

// Evaluate implements Rule.
func (r GDAPExpiring) Evaluate(in *Input, now time.Time) []Finding {
	var out []Finding
	for _, rel := range in.Relationships {
		if !strings.EqualFold(rel.Status, "active") || rel.EndsAt == nil || rel.AutoExtendDays > 0 {
			continue
		}
		left := rel.EndsAt.Sub(now)
		if left <= 0 || left > r.Within.Std() {
			continue
		}
		out = append(out, relationshipFinding(RuleGDAPExpiring, r.Severity, rel,
			fmt.Sprintf("%s ends %s (in %s) and will not auto-extend", relationshipName(rel), rel.EndsAt.UTC().Format(time.DateOnly), roundDuration(left))))
	}
	return out
}
