package reconcile

import "testing"

func TestGDAPCustomerInactive(t *testing.T) {
	// Fires for the offboarded customer and the unknown tenant; not for an ended
	// relationship with an unknown tenant.
	assertFindings(t, defaultRule(t, RuleGDAPCustomerInactive), plantedM365(), m365Now,
		[]string{"m365:relationship:offboarded", "m365:relationship:unknown-tenant"}, "is active for")
}
