package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/custos-msp/custos/daemon"
)

func newRunCommand(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "run",
		Short: "Run as a daemon: scheduled syncs, reconcile and retention",
		Long: "run starts the schedules and runs until SIGTERM or SIGINT, which stop new work and let the batch in flight\n" +
			"commit with its cursor. SIGHUP reloads the configuration; a bad one is refused and the running one kept.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			reload := forwardSIGHUP(cmd.Context())
			return daemon.Run(cmd.Context(), daemon.Options{ConfigPath: g.config, Version: version, LogOutput: os.Stderr}, reload)
		},
	}
}

// forwardSIGHUP turns SIGHUP into reload requests until ctx ends.
func forwardSIGHUP(ctx context.Context) <-chan struct{} {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	reload := make(chan struct{}, 1)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				select {
				case reload <- struct{}{}:
				default:
				}
			}
		}
	}()
	return reload
}
