package reconcile

import (
	"fmt"
	"strings"
	"time"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
)

// RuleGDAPCustomerInactive is the id of GDAP-CUSTOMER-INACTIVE.
const RuleGDAPCustomerInactive = "GDAP-CUSTOMER-INACTIVE"

var gdapCustomerInactive = Spec{
	Key: "gdap_customer_inactive", Severity: vocab.High,
	Description: "an active GDAP relationship exists for an offboarded or unknown customer",
	New:         func() Settings { return &GDAPCustomerInactive{} },
}

// GDAPCustomerInactive flags an active relationship with a tenant that matches no
// customer or whose customer is offboarded.
type GDAPCustomerInactive struct {
	Base
}

// ID implements Rule.
func (GDAPCustomerInactive) ID() string { return RuleGDAPCustomerInactive }

// Evaluate implements Rule.
func (r GDAPCustomerInactive) Evaluate(in *Input, _ time.Time) []Finding {
	var out []Finding
	for _, rel := range in.Relationships {
		if !strings.EqualFold(rel.Status, "active") {
			continue
		}
		var why string
		switch c, ok := in.customer(rel.CustomerID); {
		case !ok:
			why = "a tenant that matches no customer"
		case c.Status == store.CustomerOffboarded:
			why = "offboarded customer " + c.Name
			if c.StatusSince != nil {
				why += " (since " + c.StatusSince.UTC().Format(time.DateOnly) + ")"
			}
		default:
			continue
		}
		out = append(out, relationshipFinding(RuleGDAPCustomerInactive, r.Severity, rel,
			fmt.Sprintf("%s is active for %s", relationshipName(rel), why)))
	}
	return out
}
