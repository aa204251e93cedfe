package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/store"
)

func newMapCommand(g *globalFlags) *cobra.Command {
	var (
		unresolved bool
		out        *output
	)
	cmd := &cobra.Command{
		Use:   "map",
		Short: "Tie every tool's customers, technicians and machines together now",
		Long: "map runs identity resolution now and prints what it linked. With --unresolved it lists the company\n" +
			"and technician names that access events and agents carry but that match no customer or technician,\n" +
			"and counts the records quarantined because they did not decode (custos quarantine lists them);\n" +
			"tie one by hand with `custos map link`.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := out.Format()
			if err != nil {
				return err
			}
			if format != outputTable && !unresolved {
				return fmt.Errorf("--output %s: only the list of --unresolved has formats", format)
			}
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				res, err := a.Map(ctx)
				if err != nil {
					return err
				}
				if !unresolved {
					fmt.Fprintf(cmd.OutOrStdout(), "customers: %d linked (%d created), %d unresolved; technicians: %d linked; devices: %d linked\n",
						res.Linked, res.Created, res.Unresolved, res.TechniciansLinked, res.DevicesLinked)
					return nil
				}
				fresh, err := a.Freshness(ctx, nil)
				if err != nil {
					return err
				}
				list, err := a.Unresolved(ctx)
				if err != nil {
					return err
				}
				switch format {
				case outputJSON:
					return writeUnresolvedJSON(cmd.OutOrStdout(), fresh, list)
				case outputCSV:
					writeFreshness(cmd.ErrOrStderr(), fresh)
					return writeUnresolvedCSV(cmd.OutOrStdout(), list)
				}
				quarantined, err := a.Quarantined(ctx, store.QuarantineFilter{})
				if err != nil {
					return err
				}
				writeUnresolvedTable(cmd.OutOrStdout(), list)
				writeQuarantineCount(cmd.OutOrStdout(), quarantined)
				writeFreshness(cmd.OutOrStdout(), fresh)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&unresolved, "unresolved", false, "list what could not be tied to a customer or technician")
	out = addOutputFlags(cmd)
	cmd.AddCommand(newMapLinkCommand(g))
	return cmd
}

func newMapLinkCommand(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "link KIND SOURCE SOURCE_ID TARGET",
		Short: "Tie a source's name or id to a customer, technician or device by hand",
		Long: "link ties one source's reference to a canonical row, replacing any automatic link. KIND is customer,\n" +
			"technician or device; TARGET is the name (or id) of the customer, technician or device. Examples:\n" +
			"  custos map link customer screenconnect \"Contso\" \"Contoso Ltd\"\n" +
			"  custos map link technician screenconnect \"helpdesk-temp\" \"Bob Jones\"",
		Args: cobra.ExactArgs(4),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind, source, sourceID, target := args[0], args[1], args[2], args[3]
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				id, err := a.Link(ctx, kind, source, sourceID, target)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "linked %s %s %q to %s %d\n", source, kind, sourceID, kind, id)
				return reconcileAfter(ctx, cmd.OutOrStdout(), a)
			})
		},
	}
}

// unresolvedJSON is the stable JSON shape of `custos map --unresolved --json`.
type unresolvedJSON struct {
	Kind    string    `json:"kind"`
	Source  string    `json:"source"`
	Ref     string    `json:"ref"`
	Name    string    `json:"name"`
	Records int       `json:"records"`
	First   time.Time `json:"first"`
	Last    time.Time `json:"last"`
}

func writeUnresolvedJSON(w io.Writer, fresh app.Freshness, list []store.Unresolved) error {
	out := make([]unresolvedJSON, len(list))
	for i, u := range list {
		out[i] = unresolvedJSON{Kind: u.Kind, Source: u.Source, Ref: u.Ref, Name: u.Name, Records: u.Records, First: u.First, Last: u.Last}
	}
	return writeJSON(w, struct {
		SourcesRead app.Freshness    `json:"sources_read"`
		Unresolved  []unresolvedJSON `json:"unresolved"`
	}{fresh, out})
}

// writeUnresolvedCSV writes one row per unresolved reference, the JSON's fields in
// its order.
func writeUnresolvedCSV(w io.Writer, list []store.Unresolved) error {
	rows := make([][]string, len(list))
	for i, u := range list {
		rows[i] = []string{u.Kind, u.Source, u.Ref, u.Name, strconv.Itoa(u.Records), csvTime(&u.First), csvTime(&u.Last)}
	}
	return writeCSV(w, []string{"kind", "source", "ref", "name", "records", "first", "last"}, rows)
}

func writeUnresolvedTable(w io.Writer, list []store.Unresolved) {
	if len(list) == 0 {
		fmt.Fprintln(w, "Everything is resolved.")
		return
	}
	t := newTable(w, styleFor(w), "KIND", "SOURCE", "REF", "NAME", "RECORDS", "FIRST", "LAST")
	for _, u := range list {
		t.Row(u.Kind, u.Source, strconv.Quote(u.Ref), u.Name, strconv.Itoa(u.Records),
			u.First.Format(time.DateOnly), u.Last.Format(time.DateOnly))
	}
	_ = t.Flush()
}
