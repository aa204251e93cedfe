package reconcile_test

import (
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/reconcile"
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

// agentCase is one agent and whether a rule fires on it, saying what.
type agentCase struct {
	name  string
	agent store.CheckedAgent
	fires bool
	says  string
}

// assertAgentCases evaluates rule on each case's agent alone.
func assertAgentCases(t *testing.T, rule reconcile.Rule, tests []agentCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := rule.Evaluate(&reconcile.Input{Agents: []store.CheckedAgent{tt.agent}}, now)
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
