package reconcile_test

import (
	"testing"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/record"
)

// TestAgentPermanentUnapproved shows the rule firing on its planted case and not on
// its near misses, configured to approve NW-SRV01.
func TestAgentPermanentUnapproved(t *testing.T) {
	cfg, err := config.Parse("/etc/custos/custos.toml", []byte("[rules.agent_permanent_unapproved]\napproved_machines = [\"nw-srv01\"]\n"), reconcile.Check)
	if err != nil {
		t.Fatal(err)
	}
	var rule reconcile.Rule
	for _, r := range configured(t, cfg).Rules {
		if r.ID() == reconcile.RuleAgentPermanentUnapproved {
			rule = r
		}
	}
	assertAgentCases(t, rule, []agentCase{
		{"unapproved access agent",
			agent(record.AgentAccess, "FAB-SRV01", hoursAgo(240), nil, ptr(hoursAgo(1))), true, "unattended agent on FAB-SRV01 (Contoso) installed"},
		{"approved machine, written with its domain and in capitals",
			agent(record.AgentAccess, "NW-SRV01.northwind.local", hoursAgo(240), nil, ptr(hoursAgo(1))), false, ""},
		{"support agents are not permanent",
			agent(record.AgentSupport, "FAB-PC-9", hoursAgo(2), nil, ptr(hoursAgo(1))), false, ""},
	})
}
