package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/demo"
	"github.com/custos-msp/custos/mapping"
	"github.com/custos-msp/custos/onlinecheck"
	"github.com/custos-msp/custos/preflight"
	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/sync"
)

// clock is the command line's one clock: app holds it for every command, and the demo
// dates its fake vendors' records by it.
var clock = time.Now

func openApp(ctx context.Context, path string) (*app.App, error) {
	return openAppWith(ctx, path, app.Options{Version: version, LogOutput: os.Stderr, Now: clock})
}

// openAppWith opens Custos from the configuration file at path with opts.
func openAppWith(ctx context.Context, path string, opts app.Options) (*app.App, error) {
	cfg, err := app.LoadConfig(path)
	if err != nil {
		return nil, err
	}
	return app.Open(ctx, cfg, opts)
}

// withApp runs f with Custos opened from the command's configuration file.
func withApp(cmd *cobra.Command, g *globalFlags, f func(ctx context.Context, a *app.App) error) error {
	a, err := openApp(cmd.Context(), g.config)
	if err != nil {
		return err
	}
	defer a.Close()
	return f(cmd.Context(), a)
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintf(cmd.OutOrStdout(), "custos %s (%s %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		},
	}
}

func newCheckConfigCommand(g *globalFlags) *cobra.Command {
	var online, asJSON bool
	cmd := &cobra.Command{
		Use:   "check-config",
		Short: "Validate the configuration file and what it names, and list every problem",
		Long: "check-config lists every problem at once, each with its key (and line): unknown keys (with the key\n" +
			"meant), values of the wrong type, invalid values, and every secret the enabled parts need that does\n" +
			"not resolve (an environment variable not set, a file missing or readable by every user) or has the\n" +
			"wrong form (a sealing key, a Teams Workflows URL). It exits 1 on any problem.\n\n" +
			"With --online it also tries every stream of every enabled connector for every scope (tenant,\n" +
			"organisation, site) with the cheapest request the stream's pull makes, and prints a grid of\n" +
			"scope × stream: ok, missing permission, consent missing, licence missing, auditing off, unreachable\n" +
			"or failed, with a one-line fix for each cell that is not ok (--json for scripts). It writes nothing\n" +
			"to the vendors but the audit subscriptions a first sync would start.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if asJSON && !online {
				return errors.New("--json needs --online")
			}
			out := cmd.OutOrStdout()
			cfg, err := app.LoadConfig(g.config, preflight.Check)
			if err != nil {
				fmt.Fprintln(out, err)
				return exitError{code: 1}
			}
			status := out
			if asJSON {
				status = cmd.ErrOrStderr()
			}
			fmt.Fprintf(status, "%s: valid\n", g.config)
			if !online {
				return nil
			}
			a, err := app.Open(cmd.Context(), cfg, app.Options{Version: version, LogOutput: io.Discard})
			if err != nil {
				fmt.Fprintln(out, err)
				return exitError{code: 1}
			}
			defer a.Close()
			report := onlinecheck.Run(cmd.Context(), a.Connectors, onlinecheck.Options{})
			write := onlinecheck.WriteText
			if asJSON {
				write = onlinecheck.WriteJSON
			}
			if err := write(out, report); err != nil {
				return err
			}
			if !report.OK() {
				return exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&online, "online", false, "also try every stream of every enabled vendor for every scope with its credentials")
	cmd.Flags().BoolVar(&asJSON, "json", false, "with --online, print the grid as JSON")
	return cmd
}

func newSyncCommand(g *globalFlags) *cobra.Command {
	var (
		connector   string
		noReconcile bool
	)
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Pull every enabled connector now, then reconcile if it brought records",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			p := newSyncProgress(cmd.ErrOrStderr())
			a, err := openAppWith(ctx, g.config, p.options())
			if err != nil {
				return err
			}
			defer a.Close()
			results, err := syncWithProgress(ctx, cmd.OutOrStdout(), a, p, connector)
			if noReconcile || !broughtRecords(results) {
				return err
			}
			res, rerr := a.Reconcile(ctx)
			writeReconcile(cmd.OutOrStdout(), res)
			return errors.Join(err, rerr)
		},
	}
	cmd.Flags().StringVar(&connector, "connector", "", "pull only this connector")
	cmd.Flags().BoolVar(&noReconcile, "no-reconcile", false, "only pull; do not evaluate the rules after")
	return cmd
}

// broughtRecords reports whether a sync stored or removed any record: then the
// findings may have changed, and the daemon reconciles after it too.
func broughtRecords(results []sync.Result) bool {
	return slices.ContainsFunc(results, func(r sync.Result) bool { return r.Records > 0 || r.Removed > 0 })
}

func newReconcileCommand(g *globalFlags) *cobra.Command {
	var full bool
	cmd := &cobra.Command{
		Use:   "reconcile",
		Short: "Evaluate every rule against the stored records now",
		Long: "Evaluate every rule against the stored records now. Access events are checked again only for the\n" +
			"customers whose records changed since the last run (or every customer when the rule settings changed,\n" +
			"or the last full run is a day old); --full checks every customer's.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				run := a.Reconcile
				if full {
					run = a.ReconcileFull
				}
				res, err := run(ctx)
				writeReconcile(cmd.OutOrStdout(), res)
				return err
			})
		},
	}
	cmd.Flags().BoolVar(&full, "full", false, "check every customer's access events, not only those whose records changed")
	return cmd
}

// writeReconcile prints what a reconcile run changed and each rule that failed, with
// its error.
func writeReconcile(w io.Writer, res reconcile.Result) {
	fmt.Fprintf(w, "access checked: %s, %d events\n", res.Scope, res.Events)
	fmt.Fprintf(w, "findings: %d opened, %d re-opened, %d still open, %d resolved\n",
		res.Opened, res.Reopened, res.Updated, res.Resolved)
	for _, h := range res.Health.Failed() {
		fmt.Fprintf(w, "rule %s failed, its findings are left as they were: %v\n", h.Rule, h.Err)
	}
}

func newFindingsCommand(g *globalFlags) *cobra.Command {
	var (
		out      *output
		filter   store.FindingFilter
		customer string
	)
	cmd := &cobra.Command{
		Use:   "findings",
		Short: "List findings",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := out.Format()
			if err != nil {
				return err
			}
			if filter.Status != "" && !validStatus(filter.Status) {
				return fmt.Errorf("--status %q: want open, acknowledged, resolved or suppressed", filter.Status)
			}
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				var only *mapping.Match
				if customer != "" {
					c, err := a.LookUp(ctx, "--customer", store.LinkCustomer, customer)
					if err != nil {
						return err
					}
					filter.CustomerID, only = &c.ID, &c
				}
				fresh, err := a.Freshness(ctx, only)
				if err != nil {
					return err
				}
				fs, err := a.Findings(ctx, filter)
				if err != nil {
					return err
				}
				switch format {
				case outputJSON:
					cited, err := a.FindingEvidence(ctx, fs)
					if err != nil {
						return err
					}
					happened, err := a.FindingsHappened(ctx, fs)
					if err != nil {
						return err
					}
					return writeFindingsJSON(cmd.OutOrStdout(), fresh, fs, cited, happened)
				case outputCSV:
					// One row per finding leaves no room for the sources: they go to
					// standard error, where a person running it still sees them.
					writeFreshness(cmd.ErrOrStderr(), fresh)
					return writeFindingsCSV(cmd.OutOrStdout(), fs)
				}
				writeFindingsTable(cmd.OutOrStdout(), fs)
				writeFreshness(cmd.OutOrStdout(), fresh)
				return nil
			})
		},
	}
	out = addOutputFlags(cmd)
	cmd.Flags().StringVar(&customer, "customer", "", "only this customer (name or id)")
	cmd.Flags().StringVar(&filter.Rule, "rule", "", "only this rule id, e.g. CONFIG-BACKUP-MISSING")
	cmd.Flags().StringVar(&filter.Status, "status", "", "only this status: open, acknowledged, resolved or suppressed")
	cmd.AddCommand(newTriageCommands(g)...)
	return cmd
}

func validStatus(s string) bool {
	switch s {
	case store.StatusOpen, store.StatusAcknowledged, store.StatusResolved, store.StatusSuppressed:
		return true
	}
	return false
}

func newDemoCommand() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole pipeline against built-in fake vendor servers",
		Long:  "demo starts fake vendor servers in-process, writes a configuration and an SQLite database under --dir,\nsyncs, reconciles and prints the findings. It needs no account anywhere.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), cmd.OutOrStdout(), dir)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "custos-demo", "directory for the demo's configuration and database")
	return cmd
}

func runDemo(ctx context.Context, out io.Writer, dir string) error {
	env, err := demo.Start(dir, clock())
	if err != nil {
		return err
	}
	defer env.Close()
	a, err := openApp(ctx, env.ConfigPath)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := demo.RecordPullHistory(ctx, a, a.Now()); err != nil {
		return err
	}
	results, err := a.Sync(ctx, "")
	if err != nil && !demo.Planted(results) {
		return errors.Join(syncExit(err, results), writeAppSyncSummary(ctx, out, a))
	}
	if err := demo.RecordBackup(ctx, a, a.Now()); err != nil {
		return err
	}
	if _, err := a.Reconcile(ctx); err != nil {
		return err
	}
	fs, err := a.Findings(ctx, store.FindingFilter{Status: store.StatusOpen})
	if err != nil {
		return err
	}
	records := 0
	for _, r := range results {
		records += r.Records
	}
	fmt.Fprintf(out, "Synced %d records from the fake IT Glue, ScreenConnect, Datto RMM and Autotask in %d pulls; %d open findings:\n\n", records, len(results), len(fs))
	writeFindingsTable(out, fs)
	fmt.Fprintf(out, "\n(%s;\n %s;\n %s)\n", demo.PlantedPullHistory, demo.PlantedLateBackup, demo.PlantedQuarantine)
	if err := writeDemoReports(ctx, out, a, a.Now()); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nConfiguration: %s\nTry: custos --config %s findings --json\n or: custos --config %s console   (the web console, signed in as you)\n",
		env.ConfigPath, env.ConfigPath, env.ConfigPath)
	return nil
}
