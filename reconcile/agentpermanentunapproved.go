package reconcile

import (
	"fmt"
	"time"

	"github.com/custos-msp/custos/mapping"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/vocab"
)

// RuleAgentPermanentUnapproved is the id of AGENT-PERMANENT-UNAPPROVED.
const RuleAgentPermanentUnapproved = "AGENT-PERMANENT-UNAPPROVED"

var agentPermanentUnapproved = Spec{
	Key: "agent_permanent_unapproved", Severity: vocab.High,
	Description: "an unattended (access) agent is installed on a machine with no standing permission that `approved_machines` does not list",
	New:         func() Settings { return &AgentPermanentUnapproved{} },
}

// AgentPermanentUnapproved fires for an unattended (access) agent on a machine that
// has no standing permission and is not listed as approved in the configuration.
type AgentPermanentUnapproved struct {
	Base
	// ApprovedMachines lists the host names that may keep an unattended agent
	// (matched case-insensitively, without the domain).
	ApprovedMachines []string `toml:"approved_machines"`
	// approved holds the approved host names, normalised.
	approved map[string]bool
}

// ID implements Rule.
func (AgentPermanentUnapproved) ID() string { return RuleAgentPermanentUnapproved }

// Build returns the rule with the approved host names normalised.
func (r *AgentPermanentUnapproved) Build(Env) Evaluator {
	built := *r
	built.approved = map[string]bool{}
	for _, h := range r.ApprovedMachines {
		built.approved[mapping.NormaliseHost(h)] = true
	}
	return built
}

// Evaluate implements Rule.
func (r AgentPermanentUnapproved) Evaluate(in *Input, _ time.Time) []Finding {
	var out []Finding
	for _, a := range in.Agents {
		if a.Type != record.AgentAccess || r.approved[mapping.NormaliseHost(a.Hostname)] ||
			(a.DeviceID != nil && in.Standing[*a.DeviceID]) {
			continue
		}
		out = append(out, agentFinding(r.ID(), r.Severity, a, fmt.Sprintf(
			"unattended agent on %s%s installed %s with no standing permission for the machine",
			a.Hostname, customerSuffix(a.CustomerName), a.InstalledAt.UTC().Format(time.DateOnly))))
	}
	return out
}
