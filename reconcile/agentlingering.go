package reconcile

import (
	"fmt"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/vocab"
)

// RuleAgentLingering is the id of AGENT-LINGERING.
const RuleAgentLingering = "AGENT-LINGERING"

var agentLingering = Spec{
	Key: "agent_lingering", Severity: vocab.Medium,
	Description: "a support (ad-hoc) agent still checks in longer than `after` after its session ended",
	New:         func() Settings { return &AgentLingering{After: duration.Duration(24 * time.Hour)} },
}

// AgentLingering fires for a support agent that was still checking in more than After
// after its last technician session ended (or, with no session, after it was
// installed): a temporary agent that should have been removed.
type AgentLingering struct {
	Base
	// After is how long a support agent may keep checking in after its session ended.
	After duration.Duration `toml:"after"`
}

// ID implements Rule.
func (AgentLingering) ID() string { return RuleAgentLingering }

// Validate checks the settings.
func (r *AgentLingering) Validate() []config.Problem {
	return positive("after", r.After)
}

// Evaluate implements Rule.
func (r AgentLingering) Evaluate(in *Input, _ time.Time) []Finding {
	var out []Finding
	for _, a := range in.Agents {
		if a.Type != record.AgentSupport || a.LastCheckInAt == nil {
			continue
		}
		ended, what := a.InstalledAt, "was installed"
		if a.SessionEndedAt != nil {
			ended, what = *a.SessionEndedAt, "its last session ended"
		}
		late := a.LastCheckInAt.Sub(ended)
		if late <= r.After.Std() {
			continue
		}
		out = append(out, agentFinding(r.ID(), r.Severity, a, fmt.Sprintf(
			"support agent on %s%s still checked in at %s, %s after %s at %s (allowed %s)",
			a.Hostname, customerSuffix(a.CustomerName), a.LastCheckInAt.UTC().Format(clock),
			roundDuration(late), what, ended.UTC().Format(clock), roundDuration(r.After.Std()))))
	}
	return out
}
