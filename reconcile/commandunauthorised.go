package reconcile

import "github.com/custos-msp/custos/vocab"

// RuleCommandUnauthorised is the id of COMMAND-UNAUTHORISED.
const RuleCommandUnauthorised = "COMMAND-UNAUTHORISED"

var commandUnauthorised = Spec{
	Key: "command_unauthorised", Severity: vocab.High,
	Description: "a command or script ran on a customer machine (ScreenConnect backstage or command, RMM job) without authorisation",
	New:         func() Settings { return &CommandUnauthorised{} },
}

// CommandUnauthorised fires for a command run on a customer's machine that no
// authorisation covered; the access check (AccessCheck) finds it.
type CommandUnauthorised struct {
	Base
}

// ID implements Evaluator.
func (CommandUnauthorised) ID() string { return RuleCommandUnauthorised }

func (r *CommandUnauthorised) addTo(c *AccessCheck) { r.enable(c, r.ID()) }
