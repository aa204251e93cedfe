package reconcile

import (
	"fmt"
	"time"

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
func roundDuration(d time.Duration) string {
	switch days, hours := int(d.Hours()/24), int(d.Hours())%24; {
	case days > 0 && hours > 0:
		return fmt.Sprintf("%dd%dh", days, hours)
	case days > 0:
		return fmt.Sprintf("%dd", days)
	case d >= time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dm", int(d.Minutes()))
}
