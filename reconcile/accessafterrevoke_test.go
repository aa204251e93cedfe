package reconcile

import (
	"testing"
	"time"
)

func TestAccessAfterRevoke(t *testing.T) {
	// Fires for the sign-in after "revoked" ended; not for the one before, nor for
	// access to a tenant with another relationship active.
	assertFindings(t, defaultRule(t, RuleAccessAfterRevoke), plantedM365(), m365Now,
		[]string{"m365:after-revoke:t5:" + m365Now.Add(-24*time.Hour).Format(time.DateOnly)}, "after GDAP relationship \"revoked\"")
}
