package main

import (
	"context"
	"fmt"
	"io"

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
					return err
				}
				res, err := a.Notify(ctx)
				printPlan(cmd.OutOrStdout(), res)
				fmt.Fprintf(cmd.OutOrStdout(), "notify: %d queued, %d held, %d sent, %d to retry, %d failed\n",
					res.Enqueued, res.Held, res.Sent, res.Retrying, res.Failed)
				return err
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

func newNotifyTestCommand(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "test RECEIVER",
		Short: "Send a test message to one receiver now",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				p, err := a.Notifier()
				if err != nil {
					return err
				}
				r := p.Receivers[args[0]]
				if r == nil {
					return fmt.Errorf("notify test: no receiver is named %q in notify.receivers", args[0])
				}
				now := a.Now()
				m := notify.Message{
					Key: fmt.Sprintf("custos-test-%d", now.UnixNano()), Kind: notify.KindTest, CreatedAt: now,
					Title: "Custos test message", Text: "This is a test message from Custos to receiver " + args[0] + ". Alerts will arrive here.",
				}
				if err := r.Send(ctx, m); err != nil {
					return fmt.Errorf("notify test %s: %w", args[0], err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "test message %s handed to %s\n", m.Key, args[0])
				return nil
			})
		},
	}
}
