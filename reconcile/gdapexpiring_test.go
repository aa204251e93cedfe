package reconcile

import "testing"

func TestGDAPExpiring(t *testing.T) {
	// Fires for "expiring" (10 days, no auto-extension); not for one that
	// auto-extends nor one that ends in 31 days.
	assertFindings(t, defaultRule(t, RuleGDAPExpiring), plantedM365(), m365Now,
		[]string{"m365:relationship:expiring"}, "will not auto-extend")
}
