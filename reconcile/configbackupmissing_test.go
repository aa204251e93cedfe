package reconcile_test

import (
	"testing"

	"github.com/custos-msp/custos/reconcile"
)

func TestConfigBackupMissing(t *testing.T) {
	assertDeviceCases(t, reconcile.RuleConfigBackupMissing, []deviceCase{
		{"missing: no backup", device("fw", nil), true, "Firewall fw has no configuration backup"},
		{"missing: one backup", device("fw", nil, backup("fw.conf", daysAgo(3))), false, ""},
	})
}
