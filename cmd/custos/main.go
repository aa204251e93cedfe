// Command custos audits an MSP's access to its customers' systems: it pulls what the
// vendors recorded, reconciles it against authorisations and reports what is missing.
// This package only parses the command line and hands over to app.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// exitError carries a process exit code through cobra without printing twice.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCommand().ExecuteContext(ctx)
	stop()
	var exit exitError
	switch {
	case errors.As(err, &exit):
		os.Exit(exit.code)
	case err != nil:
		fmt.Fprintln(os.Stderr, "custos:", err)
		os.Exit(1)
	}
}

// globalFlags are the flags every subcommand shares.
type globalFlags struct {
	config string
}

func newRootCommand() *cobra.Command {
	g := &globalFlags{}
	root := &cobra.Command{
		Use:           "custos",
		Short:         "Audit an MSP's access to its customers' systems",
		Long:          "Custos pulls what an MSP's tools recorded (IT Glue, Microsoft 365, ScreenConnect, Datto RMM),\nmaps it onto customers, technicians and devices, and flags what was not authorised or is missing.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	defaultConfig := os.Getenv("CUSTOS_CONFIG")
	if defaultConfig == "" {
		defaultConfig = "custos.toml"
	}
	root.PersistentFlags().StringVar(&g.config, "config", defaultConfig, "configuration file (env CUSTOS_CONFIG)")
	root.AddCommand(
		newDemoCommand(),
		newBenchCommand(),
		newInitCommand(),
		newRunCommand(g),
		newSyncCommand(g),
		newReconcileCommand(g),
		newFindingsCommand(g),
		newMapCommand(g),
		newQuarantineCommand(g),
		newAuthoriseCommand(g),
		newBackupCommand(g),
		newExplainCommand(g),
		newExcludeCommand(g),
		newReplayCommand(g),
		newReportCommand(g),
		newNotifyCommand(g),
		newCheckConfigCommand(g),
		newConfigCommand(g),
		newDataCommand(g),
		newRetentionCommand(g),
		newSealCommand(g),
		newSubjectCommand(g),
		newEvidenceCommand(g),
		newTokenCommand(g),
		newConsoleCommand(g),
		newVersionCommand(),
	)
	return root
}
