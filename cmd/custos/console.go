package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/daemon"
	"github.com/custos-msp/custos/web/auth"
)

func newConsoleCommand(g *globalFlags) *cobra.Command {
	var listen string
	cmd := &cobra.Command{
		Use:   "console",
		Short: "Serve the console for one session on this machine, and print a one-time sign-in link",
		Long: "console serves the console and the API against the configured database, in plain HTTP on a loopback address,\n" +
			"without the daemon's schedules, and prints a link that signs the operating system's user in as admin once,\n" +
			"within " + auth.LinkLifetime.String() + ". Everything done in it is in the audit trail under that user. Ctrl-C stops it.\n" +
			"For the MSP's staff, set [web] listen and sign-in through Entra ID, and let `custos run` serve it.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				c, err := daemon.StartConsole(a, daemon.ConsoleOptions{Listen: listen, Local: true})
				if err != nil {
					return err
				}
				link, err := c.Auth.LocalLink(ctx, "/overview")
				if err == nil {
					fmt.Fprintf(cmd.OutOrStdout(), "Console on %s\nOpen this link within %s to sign in (it works once):\n\n  %s\n\nCtrl-C stops it.\n",
						c.URL, auth.LinkLifetime, link)
					<-ctx.Done()
				}
				stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
				defer cancel()
				if serr := c.Server.Shutdown(stop); err == nil {
					err = serr
				}
				return err
			})
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:0", "address to serve on; port 0 picks a free one")
	return cmd
}
