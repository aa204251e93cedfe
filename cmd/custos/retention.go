package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/store"
)

func newRetentionCommand(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "retention",
		Short: "Remove what the retention policy no longer lets Custos keep",
		Args:  cobra.NoArgs,
	}
	var dryRun bool
	run := &cobra.Command{
		Use:   "run",
		Short: "Apply the retention policy now, as the daemon does each night; --dry-run says what it would remove",
		Long: "run deletes rows past their retention, blanks personal values past retention.personal_data (a known\n" +
			"technician's name becoming their pseudonym, technician #ID), clears\n" +
			"raw payloads past retention.raw_payloads and gives the freed space back, printing what it did per table.\n" +
			"With --dry-run it runs the same pruning in a transaction it rolls back, so the figures are exact and\n" +
			"nothing changes. `custos data inventory` says column by column what each period removes.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				res, err := a.Retention(ctx, dryRun)
				if err != nil {
					return err
				}
				writePruneResult(cmd.OutOrStdout(), res, dryRun)
				return nil
			})
		},
	}
	run.Flags().BoolVar(&dryRun, "dry-run", false, "say what would be removed, changing nothing")
	cmd.AddCommand(run)
	return cmd
}

// writePruneResult prints one line per kind of removal, "would" before each verb on
// a dry run.
func writePruneResult(w io.Writer, r store.PruneResult, dryRun bool) {
	would := ""
	if dryRun {
		would = "would be "
	}
	for _, line := range []struct {
		n    int
		what string
	}{
		{r.AccessEventsDeleted, "access_events: %d %sdeleted (past access_events)"},
		{r.AccessEventsBlanked, "access_events: %d %sblanked (names, addresses and free text past personal_data; a known technician named by pseudonym)"},
		{r.RawCleared, "raw payloads: %d %scleared (past raw_payloads)"},
		{r.OrganizationsDeleted, "organizations: %d %sdeleted (removed at their source past removed_records)"},
		{r.ConfigurationsDeleted, "configurations: %d %sdeleted (removed at their source past removed_records)"},
		{r.BackupsDeleted, "config_backups: %d %sdeleted with their configurations"},
		{r.OthersDeleted, "endpoints, agents, user accounts: %d %sdeleted (removed at their source past removed_records)"},
		{r.CoverageDeleted, "coverages: %d %sdeleted (past coverage)"},
		{r.JobRunsDeleted, "job_runs: %d %sdeleted (past job_runs)"},
		{r.FindingsDeleted, "findings: %d %sdeleted (resolved past resolved_findings)"},
		{r.FindingEventsDeleted, "finding_events: %d %sdeleted with their findings"},
		{r.DeliveryBodiesCleared, "deliveries: %d bodies %scleared (no longer pending)"},
		{r.DeliveriesDeleted, "deliveries: %d %sdeleted (past deliveries)"},
		{r.NotifyLogsDeleted, "notify_logs: %d %sdeleted (past deliveries)"},
		{r.ReportsDeleted, "reports: %d %sdeleted, file and archive row (past reports)"},
		{r.AuditEntriesDeleted, "audit_entries: %d %sdeleted (past audit_trail)"},
		{r.TokensDeleted, "api_tokens: %d %sdeleted (revoked or expired past audit_trail)"},
		{r.SessionsDeleted, "console_sessions: %d %sdeleted (expired)"},
	} {
		fmt.Fprintf(w, line.what+"\n", line.n, would)
	}
}
