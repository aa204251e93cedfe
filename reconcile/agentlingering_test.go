package reconcile_test

import (
	"testing"

	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/record"
)

// TestAgentLingering shows the rule firing on its planted cases and not on its near
// misses, with the default settings (24h).
func TestAgentLingering(t *testing.T) {
	assertAgentCases(t, defaultRules(t)[reconcile.RuleAgentLingering], []agentCase{
		{"support agent checking in 3 days after its session",
			agent(record.AgentSupport, "CON-PC-001", hoursAgo(80), ptr(hoursAgo(72)), ptr(hoursAgo(1))), true, "2d23h after its last session ended at 2026-11-18 12:00 UTC (allowed 1d)"},
		{"support agent heard from 23h after its session",
			agent(record.AgentSupport, "CON-PC-002", hoursAgo(80), ptr(hoursAgo(72)), ptr(hoursAgo(49))), false, ""},
		{"exactly the allowed 24h is not late",
			agent(record.AgentSupport, "CON-PC-003", hoursAgo(80), ptr(hoursAgo(72)), ptr(hoursAgo(48))), false, ""},
		{"support agent nobody connected to, checking in 2 days on",
			agent(record.AgentSupport, "CON-PC-004", hoursAgo(50), nil, ptr(hoursAgo(1))), true, "after was installed"},
		{"support agent never heard from",
			agent(record.AgentSupport, "CON-PC-005", hoursAgo(80), ptr(hoursAgo(72)), nil), false, ""},
		{"access agents are not support agents",
			agent(record.AgentAccess, "FAB-SRV01", hoursAgo(240), ptr(hoursAgo(72)), ptr(hoursAgo(1))), false, ""},
	})
}
