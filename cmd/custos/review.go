package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/explain"
	"github.com/custos-msp/custos/findings"
	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/store"
)

func newExplainCommand(g *globalFlags) *cobra.Command {
	var timezone string
	cmd := &cobra.Command{
		Use:   "explain EVENT-OR-FINDING",
		Short: "Say why an access event was or was not covered, or why a finding was raised",
		Long: "explain prints the stored decision about an access event (event:ID) — the authorisation that\n" +
			"covered it, or each candidate and why it did not — and the findings that cite it; or, for a\n" +
			"finding (its id from `custos findings`, or its fingerprint), every access event behind it.",
		Example: "  custos explain event:42\n  custos explain 7\n  custos explain 3f9c0a1b2c3d4e5f60718293",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, err := explain.ParseRef(args[0])
			if err != nil {
				return err
			}
			loc, err := loadTimezone(timezone)
			if err != nil {
				return err
			}
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				return a.Explain(ctx, cmd.OutOrStdout(), ref, loc)
			})
		},
	}
	cmd.Flags().StringVar(&timezone, "timezone", "Local", "time zone to print times in, e.g. Europe/London")
	return cmd
}

func newExcludeCommand(g *globalFlags) *cobra.Command {
	var (
		customer, rule, technician, device, expires, by string
		x                                               store.Exclusion
		timezone                                        string
		yes                                             bool
	)
	cmd := &cobra.Command{
		Use:   "exclude",
		Short: "Suppress the findings of a scope until an expiry, with a reason and an owner",
		Long: "exclude adds an exclusion: findings it matches (by customer, rule, technician and device; at least\n" +
			"one) are kept as suppressed, not deleted, and open again when it expires or is ended. It applies\n" +
			"at once: a reconcile runs after it is added. It first prints how many open findings it would suppress\n" +
			"and how many are critical; more than " + strconv.Itoa(app.ConfirmAbove) + ", or any critical one, needs --yes.",
		Example: `  custos exclude --customer "Contoso Ltd" --rule AGENT-LINGERING --reason "agent kept for the migration" \
    --owner "Sam Lee" --expires 14d
  custos exclude --device NW-SRV01 --reason "decommissioned 2026-11-30" --owner "Sam Lee" --expires 2026-12-31
  custos exclude list
  custos exclude end 3`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			loc, err := loadTimezone(timezone)
			if err != nil {
				return err
			}
			expiry, err := app.ParseExpiry(expires, loc)
			if err != nil {
				return fmt.Errorf("--expires: %w", err)
			}
			if rule != "" {
				if x.Rule = strings.ToUpper(rule); !slices.Contains(reconcile.Catalogue, x.Rule) {
					return fmt.Errorf("--rule %q: not a rule; the rules are %s", rule, strings.Join(reconcile.Catalogue, ", "))
				}
			}
			if x.CreatedBy, err = recordedBy(by); err != nil {
				return err
			}
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				x.ExpiresAt = expiry(a.Now())
				done, err := a.Exclude(ctx, &x, app.ExclusionScope{Customer: customer, Technician: technician, Device: device}, yes)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Its scope covers %s.\n", done.Impact)
				fmt.Fprintf(cmd.OutOrStdout(), "exclusion %d added; it suppresses %d finding(s) until %s\n",
					x.ID, done.Suppressed, x.ExpiresAt.In(loc).Format(authoriseTimeLayout))
				writeChanges(cmd.OutOrStdout(), done.Changes)
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&customer, "customer", "", "customer's name or id")
	f.StringVar(&rule, "rule", "", "rule id, e.g. AGENT-LINGERING")
	f.StringVar(&technician, "technician", "", "technician's name or id")
	f.StringVar(&device, "device", "", "device's host name or id")
	f.StringVar(&x.Reason, "reason", "", "why the findings may be ignored (required)")
	f.StringVar(&x.Owner, "owner", "", "who answers for the exclusion (required)")
	f.StringVar(&expires, "expires", "", `when it ends: a duration from now (30d, 2w) or a date or time ("2026-12-31")`)
	f.StringVar(&by, "by", "", "who records it (default: $USER)")
	f.BoolVar(&yes, "yes", false, "confirm an exclusion that suppresses more than "+strconv.Itoa(app.ConfirmAbove)+" open findings or a critical one")
	cmd.PersistentFlags().StringVar(&timezone, "timezone", "Local", "time zone of times without an offset")
	for _, name := range []string{"reason", "owner", "expires"} {
		_ = cmd.MarkFlagRequired(name) // the flag exists
	}
	cmd.MarkFlagsOneRequired("customer", "rule", "technician", "device")
	cmd.AddCommand(newExcludeListCommand(g, &timezone), newExcludeEndCommand(g))
	return cmd
}

func newExcludeListCommand(g *globalFlags, timezone *string) *cobra.Command {
	var (
		all bool
		out *output
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the exclusions in force (--all: ended and expired too)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := out.Format()
			if err != nil {
				return err
			}
			loc, err := loadTimezone(*timezone)
			if err != nil {
				return err
			}
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				xs, names, err := a.Exclusions(ctx, all)
				if err != nil {
					return err
				}
				rows := app.NewExclusionRows(xs, names, a.Now())
				switch format {
				case outputJSON:
					return writeJSON(cmd.OutOrStdout(), rows)
				case outputCSV:
					return writeExclusionsCSV(cmd.OutOrStdout(), rows)
				}
				writeExclusions(cmd.OutOrStdout(), rows, loc)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "also list ended and expired exclusions")
	out = addOutputFlags(cmd)
	return cmd
}

// exclusionJSON is the stable JSON shape of `custos exclude list --json`.
type exclusionJSON = app.ExclusionRow

func writeExclusionsCSV(w io.Writer, xs []exclusionJSON) error {
	rows := make([][]string, len(xs))
	for i, x := range xs {
		rows[i] = []string{strconv.FormatUint(uint64(x.ID), 10), x.Status, x.Customer, x.Rule, x.Technician, x.Device,
			csvTime(&x.ExpiresAt), x.Owner, x.Reason}
	}
	return writeCSV(w, []string{"id", "status", "customer", "rule", "technician", "device", "expires_at", "owner", "reason"}, rows)
}

func writeExclusions(w io.Writer, xs []exclusionJSON, loc *time.Location) {
	if len(xs) == 0 {
		fmt.Fprintln(w, "No exclusions.")
		return
	}
	t := newTable(w, styleFor(w), "ID", "STATUS", "CUSTOMER", "RULE", "TECHNICIAN", "DEVICE", "EXPIRES", "OWNER", "REASON")
	for _, x := range xs {
		t.Row(strconv.FormatUint(uint64(x.ID), 10), x.Status, x.Customer, x.Rule,
			x.Technician, x.Device, x.ExpiresAt.In(loc).Format(authoriseTimeLayout), x.Owner, x.Reason)
	}
	_ = t.Flush()
}

func newExcludeEndCommand(g *globalFlags) *cobra.Command {
	var by string
	cmd := &cobra.Command{
		Use:   "end ID",
		Short: "End an exclusion now; its findings open again if their condition still holds",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseUint(args[0], 10, 0)
			if err != nil {
				return fmt.Errorf("exclusion id %q: want a number from `custos exclude list`", args[0])
			}
			if by, err = recordedBy(by); err != nil {
				return err
			}
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				if err := a.EndExclusion(ctx, uint(id), by); err != nil {
					return err
				}
				res, err := a.Reconcile(ctx)
				if err != nil {
					return fmt.Errorf("exclusion %d ended; reconcile after it failed: %w", id, err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "exclusion %d ended; %d finding(s) opened again\n", id, res.Reopened)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "who ends it (default: $USER)")
	return cmd
}

func newReplayCommand(g *globalFlags) *cobra.Command {
	var (
		since  string
		dryRun bool
	)
	cmd := &cobra.Command{
		Use:   "replay",
		Short: "Re-evaluate the stored records with the current rules, authorisations and exclusions",
		Long: "replay checks the access events of the last --since again, evaluates every other rule now, and prints\n" +
			"per customer and rule what recording the result would do: new findings, findings that would open again,\n" +
			"those already open, those an exclusion would suppress, and those that would resolve. It changes nothing;\n" +
			"`custos reconcile` records.",
		Example: "  custos replay --since 14d --dry-run",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !dryRun {
				return errors.New("replay only previews (--dry-run); run `custos reconcile` to record findings")
			}
			d, err := duration.Parse(since)
			if err != nil || d <= 0 {
				return fmt.Errorf("--since %q: want a positive duration such as 14d or 36h", since)
			}
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				fresh, err := a.Freshness(ctx, nil)
				if err != nil {
					return err
				}
				r, from, err := a.Replay(ctx, d.Std())
				if err != nil {
					return err
				}
				writeReplay(cmd.OutOrStdout(), r, from)
				writeFreshness(cmd.OutOrStdout(), fresh)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&since, "since", "14d", "how far back access events are checked again")
	cmd.Flags().BoolVar(&dryRun, "dry-run", true, "print what would change without changing it (the only mode)")
	return cmd
}

// replayOutcomes are the columns of the replay table, in order.
var replayOutcomes = []string{findings.PreviewNew, findings.PreviewReopen, findings.PreviewOpen, findings.PreviewSuppressed, findings.PreviewResolve}

func writeReplay(w io.Writer, r reconcile.Replay, since time.Time) {
	fmt.Fprintf(w, "Replayed %d access event(s) since %s: %d covered by an authorisation.\n",
		r.Events, since.UTC().Format(time.DateTime+" MST"), r.Covered)
	if failed := r.Health.Failed(); len(failed) > 0 {
		fmt.Fprintf(w, "Rules that failed and are left out: %s\n", failed)
	}
	type key struct{ customer, rule string }
	counts := map[key]map[string]int{}
	var keys []key
	for _, it := range r.Items {
		k := key{cmp.Or(it.CustomerName, "(no customer)"), it.Rule}
		if counts[k] == nil {
			counts[k] = map[string]int{}
			keys = append(keys, k)
		}
		counts[k][it.Outcome]++
	}
	if len(keys) == 0 {
		fmt.Fprintln(w, "Nothing would be raised.")
		return
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(strings.Compare(a.customer, b.customer), strings.Compare(a.rule, b.rule))
	})
	fmt.Fprintln(w)
	t := newTable(w, styleFor(w), "CUSTOMER", "RULE", "NEW", "REOPEN", "ALREADY OPEN", "SUPPRESSED", "RESOLVE")
	for _, k := range keys {
		row := []string{k.customer, k.rule}
		for _, o := range replayOutcomes {
			row = append(row, strconv.Itoa(counts[k][o]))
		}
		t.Row(row...)
	}
	_ = t.Flush()
	fmt.Fprintln(w)
	for _, it := range r.Items {
		if it.Outcome == findings.PreviewOpen {
			continue
		}
		line := fmt.Sprintf("%-12s %s %s: %s", it.Outcome, it.Rule, cmp.Or(it.CustomerName, "(no customer)"), it.Summary)
		if it.Reason != "" {
			line += " [" + it.Reason + "]"
		}
		fmt.Fprintln(w, line)
	}
}
