package reconcile_test

import (
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
)

func agent(kind, host string, installed time.Time, sessionEnded, checkIn *time.Time) store.CheckedAgent {
	a := store.CheckedAgent{CustomerName: "Contoso"}
	a.ID = 3
	a.Source, a.SourceID = "screenconnect", "sess-"+host
	a.Type, a.Hostname = kind, host
	a.InstalledAt, a.SessionEndedAt, a.LastCheckInAt = installed, sessionEnded, checkIn
	return a
}

func hoursAgo(h float64) time.Time { return now.Add(-time.Duration(h * float64(time.Hour))) }

// TestAgentRules shows each agent rule firing on its planted case and not on its near
// miss, with the default settings (24h; no approved machines but NW-SRV01 below).
func TestAgentRules(t *testing.T) {
	rules := defaultRules(t)
	rules[reconcile.RuleAgentPermanentUnapproved] = reconcile.NewAgentPermanentUnapproved("high", []string{"nw-srv01"})
	tests := []struct {
		name  string
		rule  string
		agent store.CheckedAgent
		fires bool
		says  string
	}{
		{"support agent checking in 3 days after its session", reconcile.RuleAgentLingering,
			agent(record.AgentSupport, "CON-PC-001", hoursAgo(80), ptr(hoursAgo(72)), ptr(hoursAgo(1))), true, "2d23h after its last session ended at 2026-11-18 12:00 UTC (allowed 1d)"},
		{"support agent heard from 23h after its session", reconcile.RuleAgentLingering,
			agent(record.AgentSupport, "CON-PC-002", hoursAgo(80), ptr(hoursAgo(72)), ptr(hoursAgo(49))), false, ""},
		{"exactly the allowed 24h is not late", reconcile.RuleAgentLingering,
			agent(record.AgentSupport, "CON-PC-003", hoursAgo(80), ptr(hoursAgo(72)), ptr(hoursAgo(48))), false, ""},
		{"support agent nobody connected to, checking in 2 days on", reconcile.RuleAgentLingering,
			agent(record.AgentSupport, "CON-PC-004", hoursAgo(50), nil, ptr(hoursAgo(1))), true, "after was installed"},
		{"support agent never heard from", reconcile.RuleAgentLingering,
			agent(record.AgentSupport, "CON-PC-005", hoursAgo(80), ptr(hoursAgo(72)), nil), false, ""},
		{"access agents are not support agents", reconcile.RuleAgentLingering,
			agent(record.AgentAccess, "FAB-SRV01", hoursAgo(240), ptr(hoursAgo(72)), ptr(hoursAgo(1))), false, ""},
		{"unapproved access agent", reconcile.RuleAgentPermanentUnapproved,
			agent(record.AgentAccess, "FAB-SRV01", hoursAgo(240), nil, ptr(hoursAgo(1))), true, "unattended agent on FAB-SRV01 (Contoso) installed"},
		{"approved machine, written with its domain and in capitals", reconcile.RuleAgentPermanentUnapproved,
			agent(record.AgentAccess, "NW-SRV01.northwind.local", hoursAgo(240), nil, ptr(hoursAgo(1))), false, ""},
		{"support agents are not permanent", reconcile.RuleAgentPermanentUnapproved,
			agent(record.AgentSupport, "FAB-PC-9", hoursAgo(2), nil, ptr(hoursAgo(1))), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := rules[tt.rule].Evaluate(&reconcile.Input{Agents: []store.CheckedAgent{tt.agent}}, now)
			if (len(fs) == 1) != tt.fires || len(fs) > 1 {
				t.Fatalf("findings = %+v, want fires=%v", fs, tt.fires)
			}
			if !tt.fires {
				return
			}
			f := fs[0]
			if !strings.Contains(f.Summary, tt.says) {
				t.Errorf("summary %q does not say %q", f.Summary, tt.says)
			}
			if f.Subject != "screenconnect:agent:"+tt.agent.SourceID || f.Evidence[0] != "agents:3" {
				t.Errorf("subject %q evidence %v", f.Subject, f.Evidence)
			}
		})
	}
}

func TestMappingUnresolved(t *testing.T) {
	rule := defaultRules(t)[reconcile.RuleMappingUnresolved]
	in := &reconcile.Input{Unresolved: []store.Unresolved{
		{Kind: store.LinkCustomer, Source: "screenconnect", Ref: "Contso", Name: "Contso", Records: 4, First: hoursAgo(50), Last: hoursAgo(1)},
		{Kind: store.LinkCustomer, Source: "screenconnect", Ref: "", Name: "(none)", Records: 1, First: hoursAgo(5), Last: hoursAgo(5)},
		{Kind: store.LinkTechnician, Source: "screenconnect", Ref: "helpdesk-temp", Name: "helpdesk-temp", Records: 2, First: hoursAgo(5), Last: hoursAgo(4)},
	}}
	fs := rule.Evaluate(in, now)
	want := []struct{ subject, says string }{
		{"screenconnect:customer:Contso", `screenconnect customer "Contso" matches no customer: 4 records`},
		{"screenconnect:customer:", "screenconnect records name no customer: 1 records"},
		{"screenconnect:technician:helpdesk-temp", `"helpdesk-temp" matches no technician: 2 records`},
	}
	if len(fs) != len(want) {
		t.Fatalf("findings = %+v, want %d", fs, len(want))
	}
	for i, w := range want {
		if fs[i].Subject != w.subject || !strings.Contains(fs[i].Summary, w.says) {
			t.Errorf("finding %d = %q / %q, want %q saying %q", i, fs[i].Subject, fs[i].Summary, w.subject, w.says)
		}
	}
	if got := rule.Evaluate(&reconcile.Input{}, now); len(got) != 0 {
		t.Errorf("nothing unresolved gave %+v", got)
	}
}
