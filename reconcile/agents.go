package reconcile

import (
	"fmt"
	"time"

	"github.com/custos-msp/custos/mapping"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
)

// Rule ids of the remote-agent rules.
const (
	RuleAgentLingering           = "AGENT-LINGERING"
	RuleAgentPermanentUnapproved = "AGENT-PERMANENT-UNAPPROVED"
)

// AgentLingering fires for a support agent that was still checking in more than After
// after its last technician session ended (or, with no session, after it was
// installed): a temporary agent that should have been removed.
type AgentLingering struct {
	Severity vocab.Severity
	After    time.Duration
}

// ID implements Rule.
func (AgentLingering) ID() string { return RuleAgentLingering }

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
		if late <= r.After {
			continue
		}
		out = append(out, agentFinding(r.ID(), r.Severity, a, fmt.Sprintf(
			"support agent on %s%s still checked in at %s, %s after %s at %s (allowed %s)",
			a.Hostname, customerSuffix(a.CustomerName), a.LastCheckInAt.UTC().Format(clock),
			roundDuration(late), what, ended.UTC().Format(clock), roundDuration(r.After))))
	}
	return out
}

// AgentPermanentUnapproved fires for an unattended (access) agent on a machine that
// has no standing permission and is not listed as approved in the configuration.
type AgentPermanentUnapproved struct {
	Severity vocab.Severity
	// Approved holds the normalised host names approved for a permanent agent.
	Approved map[string]bool
}

// NewAgentPermanentUnapproved returns the rule with the approved host names.
func NewAgentPermanentUnapproved(severity vocab.Severity, approved []string) AgentPermanentUnapproved {
	r := AgentPermanentUnapproved{Severity: severity, Approved: map[string]bool{}}
	for _, h := range approved {
		r.Approved[mapping.NormaliseHost(h)] = true
	}
	return r
}

// ID implements Rule.
func (AgentPermanentUnapproved) ID() string { return RuleAgentPermanentUnapproved }

// Evaluate implements Rule.
func (r AgentPermanentUnapproved) Evaluate(in *Input, _ time.Time) []Finding {
	var out []Finding
	for _, a := range in.Agents {
		if a.Type != record.AgentAccess || r.Approved[mapping.NormaliseHost(a.Hostname)] ||
			(a.DeviceID != nil && in.Standing[*a.DeviceID]) {
			continue
		}
		out = append(out, agentFinding(r.ID(), r.Severity, a, fmt.Sprintf(
			"unattended agent on %s%s installed %s with no standing permission for the machine",
			a.Hostname, customerSuffix(a.CustomerName), a.InstalledAt.UTC().Format(time.DateOnly))))
	}
	return out
}

// agentFinding builds a finding about one agent; its subject is the agent's identity
// at its source.
func agentFinding(rule string, severity vocab.Severity, a store.CheckedAgent, summary string) Finding {
	return Finding{
		Rule:       rule,
		Subject:    fmt.Sprintf("%s:agent:%s", a.Source, a.SourceID),
		CustomerID: a.CustomerID,
		Severity:   severity,
		Summary:    summary,
		Evidence:   []string{fmt.Sprintf("agents:%d", a.ID)},
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
