package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/register"
	"github.com/custos-msp/custos/store"
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
		out      *output
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the verified backups, newest first; --all adds the withdrawn ones",
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
				views, err := a.Backups(ctx, customer, all)
				if err != nil {
					return err
				}
				switch format {
				case outputJSON:
					return writeJSON(cmd.OutOrStdout(), backupsJSON(views))
				case outputCSV:
					return writeBackupsCSV(cmd.OutOrStdout(), backupsJSON(views))
				}
				return writeBackupsTable(cmd.OutOrStdout(), views, loc)
			})
		},
	}
	cmd.Flags().StringVar(&customer, "customer", "", "only this customer's (name or id)")
	cmd.Flags().BoolVar(&all, "all", false, "the withdrawn ones too")
	out = addOutputFlags(cmd)
	return cmd
}

func writeBackupsTable(w io.Writer, views []store.VerifiedBackupView, loc *time.Location) error {
	if len(views) == 0 {
		fmt.Fprintln(w, "No verified backups.")
		return nil
	}
	t := newTable(w, styleFor(w), "ID", "CUSTOMER", "DEVICE", "WHAT", "TAKEN", "VERIFIED", "BY", "EVIDENCE", "WITHDRAWN")
	for _, v := range views {
		withdrawn := ""
		if v.WithdrawnAt != nil {
			withdrawn = fmt.Sprintf("%s by %s: %s", v.WithdrawnAt.In(loc).Format(authoriseTimeLayout), v.WithdrawnBy, v.WithdrawReason)
		}
		t.Row(strconv.FormatUint(uint64(v.ID), 10), v.CustomerName, cmp.Or(v.DeviceName, register.Any), v.What,
			v.TakenAt.In(loc).Format(authoriseTimeLayout), v.VerifiedAt.In(loc).Format(authoriseTimeLayout), v.VerifiedBy, v.Evidence, withdrawn)
	}
	return t.Flush()
}

// backupJSON is a verified backup as backup list --output json prints it.
type backupJSON struct {
	ID             uint       `json:"id"`
	Customer       string     `json:"customer"`
	CustomerID     *uint      `json:"customer_id"`
	Device         string     `json:"device"`
	DeviceID       *uint      `json:"device_id"`
	What           string     `json:"what"`
	TakenAt        time.Time  `json:"taken_at"`
	VerifiedAt     time.Time  `json:"verified_at"`
	VerifiedBy     string     `json:"verified_by"`
	Evidence       string     `json:"evidence"`
	RecordedBy     string     `json:"recorded_by"`
	RecordedAt     time.Time  `json:"recorded_at"`
	WithdrawnAt    *time.Time `json:"withdrawn_at,omitempty"`
	WithdrawnBy    string     `json:"withdrawn_by,omitempty"`
	WithdrawReason string     `json:"withdraw_reason,omitempty"`
}

func backupsJSON(views []store.VerifiedBackupView) []backupJSON {
	out := make([]backupJSON, len(views))
	for i, v := range views {
		out[i] = backupJSON{
			ID: v.ID, Customer: v.CustomerName, CustomerID: v.CustomerID,
			Device: cmp.Or(v.DeviceName, register.Any), DeviceID: v.DeviceID, What: v.What,
			TakenAt: v.TakenAt.UTC(), VerifiedAt: v.VerifiedAt.UTC(), VerifiedBy: v.VerifiedBy, Evidence: v.Evidence,
			RecordedBy: v.RecordedBy, RecordedAt: v.RecordedAt.UTC(),
			WithdrawnAt: utcOrNil(v.WithdrawnAt), WithdrawnBy: v.WithdrawnBy, WithdrawReason: v.WithdrawReason,
		}
	}
	return out
}

// writeBackupsCSV writes one row per verified backup, the JSON's fields in its order.
func writeBackupsCSV(w io.Writer, bs []backupJSON) error {
	rows := make([][]string, len(bs))
	for i, v := range bs {
		rows[i] = []string{
			strconv.FormatUint(uint64(v.ID), 10), v.Customer, v.Device, v.What, csvTime(&v.TakenAt), csvTime(&v.VerifiedAt),
			v.VerifiedBy, v.Evidence, v.RecordedBy, csvTime(&v.RecordedAt), csvTime(v.WithdrawnAt), v.WithdrawnBy, v.WithdrawReason,
		}
	}
	return writeCSV(w, []string{"id", "customer", "device", "what", "taken_at", "verified_at", "verified_by", "evidence",
		"recorded_by", "recorded_at", "withdrawn_at", "withdrawn_by", "withdraw_reason"}, rows)
}

func newBackupWithdrawCommand(g *globalFlags) *cobra.Command {
	return newEndCommand(g, endCommand{
		use: "withdraw ID", short: "Withdraw a verified backup that turned out not to be usable; it is kept, and covers nothing any more",
		noun: "verified backup", list: "custos backup list --all",
		done:   "withdrew verified backup %d; the next reconcile re-checks the removals it covered\n",
		reason: "why it does not count", by: "who withdraws it (default: $USER)", end: (*app.App).WithdrawBackup,
	})
}
