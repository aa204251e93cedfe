package reconcile_test

import (
	"testing"

	"github.com/custos-msp/custos/reconcile"
)

func TestConfigBackupIncomplete(t *testing.T) {
	assertDeviceCases(t, reconcile.RuleConfigBackupIncomplete, []deviceCase{
		{"incomplete: only new", device("fw", ptr(daysAgo(10)), backup("fw-new-config.conf", daysAgo(9))), true, "lacks a backup of the old configuration"},
		{"incomplete: only old", device("fw", ptr(daysAgo(10)), backup("fw_old.conf", daysAgo(9))), true, "lacks a backup of the new configuration"},
		{"incomplete: none", device("fw", ptr(daysAgo(10))), true, "both the old and the new"},
		{"incomplete: pair present", device("fw", ptr(daysAgo(10)), backup("fw-old-config.conf", daysAgo(10)), backup("fw-new-config.conf", daysAgo(9))), false, ""},
		{"incomplete: 'newer' is not 'new'", device("fw", ptr(daysAgo(10)), backup("fw-old.conf", daysAgo(10)), backup("fw-newer.conf", daysAgo(9))), true, "new configuration"},
		{"incomplete: installed before the window", device("fw", ptr(daysAgo(45))), false, ""},
		{"incomplete: no installation date", device("fw", nil), false, ""},
	})
}
