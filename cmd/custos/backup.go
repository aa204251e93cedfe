package main

import (
	"cmp"
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/register"
)

func newBackupCommand(g *globalFlags) *cobra.Command {
	var timezone string
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Record, list and withdraw verified backups, which let a removal go without a removal authorisation",
		Long: "A removal (a deleted account, mailbox, profile or file set) needs the customer's removal\n" +
			"authorisation or a verified backup taken before it: a backup that someone checked restores.\n" +
			"backup records those; reconcile accepts a removal on the backup's device (or, for a backup of\n" +
			"no one device, anywhere at the customer) taken at most rules.removal_without_backup.backup_max_age\n" +
			"before it and verified by then. Times without an offset are read in --timezone.",
		Args: cobra.NoArgs,
	}
	cmd.PersistentFlags().StringVar(&timezone, "timezone", "Local", "time zone of times without an offset, e.g. Europe/London; Local is this machine's")
	cmd.AddCommand(newBackupAddCommand(g, &timezone), newBackupListCommand(g, &timezone), newBackupWithdrawCommand(g))
	return cmd
}

func newBackupAddCommand(g *globalFlags, timezone *string) *cobra.Command {
	var (
		e               register.BackupEntry
		taken, verified string
		by              string
	)
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Record a verified backup and print its id",
		Example: `  custos backup add --customer "Contoso Ltd" --device any --what "mailbox of j.doe" \
    --taken "2026-11-20 18:00" --verified "2026-11-21 08:30" --verified-by "Alice Smith" --evidence "Veeam job 881, T20261121.0004"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			loc, err := loadTimezone(*timezone)
			if err != nil {
				return err
			}
			if e.TakenAt, err = register.ParseStart(taken, loc); err != nil {
				return fmt.Errorf("--taken: %w", err)
			}
			if e.VerifiedAt, err = register.ParseStart(verified, loc); err != nil {
				return fmt.Errorf("--verified: %w", err)
			}
			if e.RecordedBy, err = recordedBy(by); err != nil {
				return err
			}
			return recordAndPrintID(cmd, g, func(ctx context.Context, a *app.App) (uint, error) {
				return a.RecordBackup(ctx, e)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&e.Customer, "customer", "", "customer's name or id")
	f.StringVar(&e.Device, "device", "", `device's host name or id, or "any" for data not on one device`)
	f.StringVar(&e.What, "what", "", `what was backed up, e.g. "mailbox of j.doe"`)
	f.StringVar(&taken, "taken", "", `when the backup was taken, e.g. "2026-11-20 18:00"`)
	f.StringVar(&verified, "verified", "", "when it was checked to restore")
	f.StringVar(&e.VerifiedBy, "verified-by", "", "who checked it")
	f.StringVar(&e.Evidence, "evidence", "", "where the check is written: a backup job id, a ticket")
	f.StringVar(&by, "by", "", "who records it (default: $USER)")
	for _, name := range []string{"customer", "device", "what", "taken", "verified", "verified-by", "evidence"} {
		_ = cmd.MarkFlagRequired(name) // the flag exists
	}
	return cmd
}

func newBackupListCommand(g *globalFlags, timezone *string) *cobra.Command {
	var (
		customer string
		all      bool
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the verified backups, newest first; --all adds the withdrawn ones",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			loc, err := loadTimezone(*timezone)
			if err != nil {
				return err
			}
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				views, err := a.Backups(ctx, customer, all)
				if err != nil {
					return err
				}
				w := cmd.OutOrStdout()
				if len(views) == 0 {
					fmt.Fprintln(w, "No verified backups.")
					return nil
				}
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tCUSTOMER\tDEVICE\tWHAT\tTAKEN\tVERIFIED\tBY\tEVIDENCE\tWITHDRAWN")
				for _, v := range views {
					withdrawn := ""
					if v.WithdrawnAt != nil {
						withdrawn = fmt.Sprintf("%s by %s: %s", v.WithdrawnAt.In(loc).Format(authoriseTimeLayout), v.WithdrawnBy, v.WithdrawReason)
					}
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.ID, v.CustomerName, cmp.Or(v.DeviceName, register.Any), v.What,
						v.TakenAt.In(loc).Format(authoriseTimeLayout), v.VerifiedAt.In(loc).Format(authoriseTimeLayout), v.VerifiedBy, v.Evidence, withdrawn)
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&customer, "customer", "", "only this customer's (name or id)")
	cmd.Flags().BoolVar(&all, "all", false, "the withdrawn ones too")
	return cmd
}

func newBackupWithdrawCommand(g *globalFlags) *cobra.Command {
	return newEndCommand(g, endCommand{
		use: "withdraw ID", short: "Withdraw a verified backup that turned out not to be usable; it is kept, and covers nothing any more",
		noun: "verified backup", list: "custos backup list --all",
		done:   "withdrew verified backup %d; the next reconcile re-checks the removals it covered\n",
		reason: "why it does not count", by: "who withdraws it (default: $USER)", end: (*app.App).WithdrawBackup,
	})
}
