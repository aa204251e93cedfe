package reconcile_test

import (
	"testing"

	"github.com/custos-msp/custos/reconcile"
)

func TestConfigBackupStale(t *testing.T) {
	assertDeviceCases(t, reconcile.RuleConfigBackupStale, []deviceCase{
		{"stale: newest 200 days", device("rtr", nil, backup("a.conf", daysAgo(300)), backup("b.conf", daysAgo(200))), true, "b.conf is 200 days old (limit 90 days)"},
		{"stale: newest recent", device("rtr", nil, backup("a.conf", daysAgo(300)), backup("b.conf", daysAgo(10))), false, ""},
		{"stale: exactly at the limit", device("rtr", nil, backup("b.conf", daysAgo(90))), false, ""},
		{"stale: predates installation", device("fw", ptr(daysAgo(5)), backup("fw.conf", daysAgo(20))), true, "predates the device's installation"},
		{"stale: no backup is not stale", device("fw", nil), false, ""},
	})
}
