package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/register"
)

// authoriseTimeLayout is how authorise prints times, in the --timezone zone.
const authoriseTimeLayout = "2006-01-02 15:04"

func newAuthoriseCommand(g *globalFlags) *cobra.Command {
	var timezone string
	cmd := &cobra.Command{
		Use:   "authorise",
		Short: "Record, list, revoke and import customers' authorisations",
		Long: "authorise keeps the authorisations recorded in Custos itself: a customer's permission for a\n" +
			"technician (or any) to access a device (or any) for a scope, from a time until a time or standing.\n" +
			"Times without an offset are read in --timezone, as 2026-11-21 14:30, 2026-11-21 or RFC 3339;\n" +
			"a date alone as an end includes that day.",
		Args: cobra.NoArgs,
	}
	cmd.PersistentFlags().StringVar(&timezone, "timezone", "Local", "time zone of times without an offset, e.g. Europe/London; Local is this machine's")
	cmd.AddCommand(
		newAuthoriseAddCommand(g, &timezone),
		newAuthoriseListCommand(g, &timezone),
		newAuthoriseRevokeCommand(g),
		newAuthoriseImportCommand(g, &timezone),
	)
	return cmd
}

func loadTimezone(timezone string) (*time.Location, error) {
	loc, err := time.LoadLocation(timezone)
	if err != nil {
		return nil, fmt.Errorf("--timezone: %w", err)
	}
	return loc, nil
}

// recordAndPrintID opens the store, records one item with add, prints its id and
// reconciles, printing the findings that changed.
func recordAndPrintID(cmd *cobra.Command, g *globalFlags, add func(context.Context, *app.App) (uint, error)) error {
	return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
		id, err := add(ctx, a)
		if err != nil {
			return err
		}
		fmt.Fprintln(cmd.OutOrStdout(), id)
		return reconcileAfter(ctx, cmd.OutOrStdout(), a)
	})
}

// recordedBy is who records, revokes or imports: by, or the user running the command.
func recordedBy(by string) (string, error) {
	if by = cmp.Or(by, os.Getenv("USER")); by == "" {
		return "", errors.New("--by: required: say who you are ($USER is not set)")
	}
	return by, nil
}

func newAuthoriseAddCommand(g *globalFlags, timezone *string) *cobra.Command {
	var (
		e             register.Entry
		from, to, by  string
		standing      bool
		requiredFlags = []string{"customer", "technician", "device", "scope", "from", "granted-by", "evidence"}
	)
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Record an authorisation and print its id",
		Example: `  custos authorise add --customer "Contoso Ltd" --technician "Bob Jones" --device PC-042 --scope remote \
    --from "2026-11-21 09:00" --to "2026-11-21 17:00" --granted-by "Jane Doe" --evidence T20261121.0001
  custos authorise add --customer Contoso --technician any --device CON-SRV01 --scope remote \
    --from 2026-11-01 --standing --granted-by "Jane Doe" --evidence "email 2026-10-30"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			loc, err := loadTimezone(*timezone)
			if err != nil {
				return err
			}
			if e.From, err = register.ParseStart(from, loc); err != nil {
				return fmt.Errorf("--from: %w", err)
			}
			if !standing {
				end, err := register.ParseEnd(to, loc)
				if err != nil {
					return fmt.Errorf("--to: %w", err)
				}
				e.To = &end
			}
			if e.RecordedBy, err = recordedBy(by); err != nil {
				return err
			}
			return recordAndPrintID(cmd, g, func(ctx context.Context, a *app.App) (uint, error) {
				return a.Authorise(ctx, e)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&e.Customer, "customer", "", "customer's name or id")
	f.StringVar(&e.Technician, "technician", "", `technician's name or id, or "any"`)
	f.StringVar(&e.Device, "device", "", `device's host name or id, or "any"`)
	f.StringVar(&e.Scope, "scope", "", "what the access may do: "+strings.Join(record.Scopes, ", "))
	f.StringVar(&from, "from", "", `start, e.g. "2026-11-21 09:00"`)
	f.StringVar(&to, "to", "", `end, e.g. "2026-11-21 17:00"`)
	f.BoolVar(&standing, "standing", false, "no end: a standing permission")
	f.StringVar(&e.GrantedBy, "granted-by", "", "who at the customer gave it")
	f.StringVar(&e.Evidence, "evidence", "", "where it is written: a ticket number, an e-mail message id")
	f.StringVar(&by, "by", "", "who records it (default: $USER)")
	for _, name := range requiredFlags {
		_ = cmd.MarkFlagRequired(name) // the flag exists
	}
	cmd.MarkFlagsOneRequired("to", "standing")
	cmd.MarkFlagsMutuallyExclusive("to", "standing")
	return cmd
}

func newAuthoriseListCommand(g *globalFlags, timezone *string) *cobra.Command {
	var (
		customer string
		all      bool
		out      *output
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the authorisations active now, or with --all every one",
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
				now := a.Now()
				views, err := a.Authorisations(ctx, customer, all)
				if err != nil {
					return err
				}
				switch format {
				case outputJSON:
					return writeJSON(cmd.OutOrStdout(), app.NewAuthorisationRows(views, now))
				case outputCSV:
					return writeAuthorisationsCSV(cmd.OutOrStdout(), app.NewAuthorisationRows(views, now))
				}
				writeAuthorisationsTable(cmd.OutOrStdout(), views, now, loc, all)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&customer, "customer", "", "only this customer's (name or id)")
	cmd.Flags().BoolVar(&all, "all", false, "every authorisation: expired, upcoming and revoked too")
	out = addOutputFlags(cmd)
	return cmd
}

func newAuthoriseRevokeCommand(g *globalFlags) *cobra.Command {
	return newEndCommand(g, endCommand{
		use: "revoke ID", short: "Revoke an authorisation; it is kept with who revoked it, when and why",
		noun: "authorisation", list: "custos authorise list --all", done: "revoked authorisation %d\n",
		reason: "why it is revoked", by: "who revokes it (default: $USER)", end: (*app.App).RevokeAuthorisation,
	})
}

// endCommand describes a command that ends one recorded item by id, keeping it with
// who ended it, when and why: authorise revoke, backup withdraw.
type endCommand struct {
	use, short string
	// noun names the item in errors; list is the command that shows the ids; done is
	// printed with the id once it is ended.
	noun, list, done string
	// reason and by are the help of --reason and --by.
	reason, by string
	end        func(a *app.App, ctx context.Context, id uint, by, reason string) error
}

func newEndCommand(g *globalFlags, c endCommand) *cobra.Command {
	var reason, by string
	cmd := &cobra.Command{
		Use:   c.use,
		Short: c.short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseUint(args[0], 10, 0)
			if err != nil {
				return fmt.Errorf("%s id %q is not a number (see %s)", c.noun, args[0], c.list)
			}
			by, err := recordedBy(by)
			if err != nil {
				return err
			}
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				if err := c.end(a, ctx, uint(id), by, reason); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), c.done, id)
				return reconcileAfter(ctx, cmd.OutOrStdout(), a)
			})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", c.reason)
	cmd.Flags().StringVar(&by, "by", "", c.by)
	_ = cmd.MarkFlagRequired("reason") // the flag exists
	return cmd
}

func newAuthoriseImportCommand(g *globalFlags, timezone *string) *cobra.Command {
	var by string
	cmd := &cobra.Command{
		Use:   "import FILE.csv",
		Short: "Import authorisations from a CSV file: all of them, or none if any row has a problem",
		Long: "import reads a CSV file whose first row names the columns: customer, technician, device, scope,\n" +
			"valid_from, valid_to, granted_by, evidence (any order and case; customer, scope, valid_from and\n" +
			"granted_by are required; an empty technician or device means any). Every row is checked first;\n" +
			"if any has a problem, nothing is imported and every problem is listed with its line. Importing\n" +
			"the same file again adds nothing.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			loc, err := loadTimezone(*timezone)
			if err != nil {
				return err
			}
			by, err := recordedBy(by)
			if err != nil {
				return err
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				n, err := a.ImportAuthorisations(ctx, f, args[0], by, loc)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "imported %s: %d new authorisation(s)\n", args[0], n)
				return reconcileAfter(ctx, cmd.OutOrStdout(), a)
			})
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "who imports it (default: $USER)")
	return cmd
}

// authorisationJSON is the stable JSON shape of `custos authorise list --json`.
type authorisationJSON = app.AuthorisationRow

// writeAuthorisationsCSV writes one row per authorisation, the JSON's fields in its order.
func writeAuthorisationsCSV(w io.Writer, as []authorisationJSON) error {
	rows := make([][]string, len(as))
	for i, v := range as {
		rows[i] = []string{
			strconv.FormatUint(uint64(v.ID), 10), v.Source, v.Customer, v.Technician, v.Device, v.Scope,
			csvTime(&v.ValidFrom), csvTime(v.ValidTo), v.GrantedBy, v.Evidence, v.RecordedBy, csvTime(&v.RecordedAt),
			v.Status, csvTime(v.RevokedAt), v.RevokedBy, v.RevokeReason,
		}
	}
	return writeCSV(w, []string{"id", "source", "customer", "technician", "device", "scope", "valid_from", "valid_to",
		"granted_by", "evidence", "recorded_by", "recorded_at", "status", "revoked_at", "revoked_by", "revoke_reason"}, rows)
}

func writeAuthorisationsTable(w io.Writer, views []register.View, now time.Time, loc *time.Location, all bool) {
	if len(views) == 0 {
		if all {
			fmt.Fprintln(w, "No authorisations.")
		} else {
			fmt.Fprintln(w, "No active authorisations; --all lists every one.")
		}
		return
	}
	t := newTable(w, styleFor(w), "ID", "CUSTOMER", "TECHNICIAN", "DEVICE", "SCOPE", "FROM", "TO", "GRANTED BY", "EVIDENCE", "STATUS")
	for _, v := range views {
		to := "standing"
		if v.ValidTo != nil {
			to = v.ValidTo.In(loc).Format(authoriseTimeLayout)
		}
		t.Row(strconv.FormatUint(uint64(v.ID), 10), cmp.Or(v.CustomerName, v.CustomerRef),
			app.AuthorisedName(v.TechnicianName, v.TechnicianRef), app.AuthorisedName(v.DeviceName, v.DeviceRef), v.AccessScope,
			v.ValidFrom.In(loc).Format(authoriseTimeLayout), to, v.GrantedBy, v.Evidence, string(v.Status(now)))
	}
	_ = t.Flush()
}

func utcOrNil(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
