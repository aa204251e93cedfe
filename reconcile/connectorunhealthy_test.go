package reconcile

import (
	"slices"
	"testing"
)

func TestConnectorUnhealthy(t *testing.T) {
	in := plantedM365()
	// Fires once for o365audit on t6 (two refused streams) and for m365 on t7; not
	// for a failed or unlicensed pull.
	fs := assertFindings(t, defaultRule(t, RuleConnectorUnhealthy), in, m365Now,
		[]string{"unhealthy:o365audit/t6", "unhealthy:m365/t7"}, "cannot read")
	t.Run("evidence lists each refused stream", func(t *testing.T) {
		if len(fs) == 0 || !slices.Equal(fs[0].Evidence, []string{"coverages:4", "coverages:5"}) {
			t.Errorf("evidence %v", fs)
		}
	})
}
