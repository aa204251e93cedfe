package reconcile

import (
	"fmt"
	"time"

	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
)

// agentFinding builds a finding about one agent; its subject is the agent's identity
// at its source.
func agentFinding(rule string, severity vocab.Severity, a store.CheckedAgent, summary string) Finding {
	return Finding{
		Rule:       rule,
		Subject:    fmt.Sprintf("%s:agent:%s", a.Source, a.SourceID),
		CustomerID: a.CustomerID,
		Severity:   severity,
		Summary:    summary,
		Evidence:   []string{store.Ref[store.Agent](a.ID)},
	}
}

func customerSuffix(name string) string {
	if name == "" {
		return " (customer not resolved)"
	}
	return " (" + name + ")"
}

// roundDuration writes d in days and hours, hours, or minutes.
func roundDuration(d time.Duration) string { return duration.Duration(d).Approx() }
