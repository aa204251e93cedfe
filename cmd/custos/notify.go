package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/notify"
)

func newNotifyCommand(g *globalFlags) *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "notify",
		Short: "Route new alerts and deliver what is due now (--dry-run: show what would be sent)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				if dryRun {
					p, err := a.Notifier()
					if err != nil {
						return err
					}
					res, err := p.DryRun(ctx)
					printPlan(cmd.OutOrStdout(), res)
					printUndelivered(cmd.OutOrStdout(), res)
					return err
				}
				res, err := a.Notify(ctx)
				printPlan(cmd.OutOrStdout(), res)
				fmt.Fprintf(cmd.OutOrStdout(), "notify: %d queued, %d held, %d sent, %d to retry, %d failed\n",
					res.Enqueued, res.Held, res.Sent, res.Retrying, res.Failed)
				printUndelivered(cmd.OutOrStdout(), res)
				if err != nil {
					return err
				}
				return undelivered(res)
			})
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "show what the pipeline would send now; change and send nothing")
	cmd.AddCommand(newNotifyTestCommand(g))
	return cmd
}

func printPlan(w io.Writer, res notify.Result) {
	for _, p := range res.Planned {
		state := "send"
		if p.Held != "" {
			state = "hold (" + p.Held + ")"
		}
		fmt.Fprintf(w, "%s → %s: %s [%d finding(s)]\n", state, p.Receiver, p.Message.Title, len(p.Message.Items))
	}
}

// printUndelivered says what waits for a receiver: alerts no configured receiver
// takes, and receivers whose latest attempt failed.
func printUndelivered(w io.Writer, res notify.Result) {
	for _, wt := range res.Waiting {
		fmt.Fprintf(w, "%s; they stay queued until a receiver and a route take them\n", wt)
	}
	for _, h := range res.Failing {
		fmt.Fprintf(w, "receiver %s failing since %s: %d finding(s) waiting; last error: %s\n",
			h.Receiver, h.FailingSince.UTC().Format(time.RFC3339), h.Waiting, h.LastError)
	}
}

// undelivered is the error that makes notify exit non-zero when alerts wait for a
// receiver or a message failed for good: what was due did not all arrive.
func undelivered(res notify.Result) error {
	waiting := 0
	for _, w := range res.Waiting {
		waiting += w.Findings
	}
	switch {
	case waiting > 0:
		return fmt.Errorf("notify: %d alert(s) waiting for a receiver (see above)", waiting)
	case res.Failed > 0:
		return fmt.Errorf("notify: %d message(s) failed; their alerts are due again on a later run", res.Failed)
	}
	return nil
}

func newNotifyTestCommand(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "test RECEIVER",
		Short: "Send a test message to one receiver now",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				key, err := a.TestReceiver(ctx, args[0])
				var none *app.NoReceiverError
				var failed *app.ReceiverError
				switch {
				case errors.As(err, &none):
					return fmt.Errorf("notify test: %w", err)
				case errors.As(err, &failed):
					return fmt.Errorf("notify test %s: %w", args[0], err)
				case err != nil:
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "test message %s handed to %s\n", key, args[0])
				return nil
			})
		},
	}
}
