package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/findings"
	"github.com/custos-msp/custos/store"
)

// triageCommand describes one of the findings subcommands a person triages with.
type triageCommand struct {
	use, short string
	action     findings.Action
	// verb says the action in a sentence: "<who> <verb> finding 7".
	verb string
	// assign takes --to; every other command requires --note.
	assign bool
	// then says what the change means for the finding from now on.
	then string
}

var triageCommands = []triageCommand{
	{use: "ack", verb: "acknowledged", short: "Acknowledge an open finding: someone is on it", action: findings.Acknowledged,
		then: "it stays acknowledged while it is found again, and nobody is alerted again unless it escalates"},
	{use: "assign", verb: "assigned", short: "Give a finding to someone", action: findings.Assigned, assign: true},
	{use: "comment", verb: "commented on", short: "Add a note to a finding's history", action: findings.Commented},
	{use: "resolve", verb: "resolved", short: "Resolve a finding by hand, with the reason", action: findings.Resolved,
		then: "it stays resolved unless its rule finds it again with new evidence"},
	{use: "reopen", verb: "re-opened", short: "Open a resolved or acknowledged finding again, with the reason", action: findings.Reopened,
		then: "it is alerted again as an open finding"},
}

// newTriageCommands returns the findings subcommands that acknowledge, assign,
// comment on, resolve and re-open one finding.
func newTriageCommands(g *globalFlags) []*cobra.Command {
	var out []*cobra.Command
	for _, tc := range triageCommands {
		out = append(out, tc.command(g))
	}
	return out
}

func (tc triageCommand) command(g *globalFlags) *cobra.Command {
	var by, note, to, timezone string
	cmd := &cobra.Command{
		Use:   tc.use + " FINDING",
		Short: tc.short,
		Long: tc.short + ". FINDING is its id from `custos findings` or its fingerprint. Who (--by, default $USER),\n" +
			"when and the note are kept in the finding's history, which `custos explain FINDING` shows.",
		Example: fmt.Sprintf("  custos findings %s 7 %s", tc.use, map[bool]string{
			true:  `--to "Bob Jones" --note "on site on Tuesday"`,
			false: `--note "customer confirmed the session, ticket T20261204.0042"`,
		}[tc.assign]),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			loc, err := loadTimezone(timezone)
			if err != nil {
				return err
			}
			if by, err = recordedBy(by); err != nil {
				return err
			}
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				f, e, err := a.Triage(ctx, args[0], tc.action, by, note, to)
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), tc.done(f, e, e.At.In(loc).Format(authoriseTimeLayout+" MST")))
				return nil
			})
		},
	}
	flags := cmd.Flags()
	flags.StringVar(&by, "by", "", "who does it (default: $USER)")
	flags.StringVar(&timezone, "timezone", "Local", "time zone to print the time in, e.g. Europe/London")
	if tc.assign {
		flags.StringVar(&to, "to", "", "who gets the finding (required)")
		flags.StringVar(&note, "note", "", "why, or what they should do")
		_ = cmd.MarkFlagRequired("to") // the flag exists
	} else {
		flags.StringVar(&note, "note", "", "why, in words a colleague will understand later (required)")
		_ = cmd.MarkFlagRequired("note") // the flag exists
	}
	return cmd
}

// done says what a triage did, e.g. "priya acknowledged finding 7
// (ACCESS-UNAUTHORISED, high) at 2026-12-04 10:00 UTC: ticket 42; it stays …".
func (tc triageCommand) done(f store.Finding, e store.FindingEvent, at string) string {
	s := fmt.Sprintf("%s %s finding %d (%s, %s)", e.Actor, tc.verb, f.ID, f.Rule, f.Severity)
	if e.Assignee != "" {
		s += " to " + e.Assignee
	}
	s += " at " + at
	if e.Note != "" {
		s += ": " + e.Note
	}
	if tc.then != "" {
		s += "; " + tc.then
	}
	return s
}
