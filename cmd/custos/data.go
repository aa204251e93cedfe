package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/store"
)

func newDataCommand(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "data",
		Short: "What personal data Custos keeps, and for how long",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newDataInventoryCommand(g))
	return cmd
}

func newDataInventoryCommand(g *globalFlags) *cobra.Command {
	var out *output
	cmd := &cobra.Command{
		Use:   "inventory",
		Short: "Print the record of processing: every column that can hold personal data, why, how protected, how long kept",
		Long: "inventory lists every table column that can hold personal data: whose (technician, customer user, contact,\n" +
			"network address, custos user), why Custos keeps it, whether it is sealed at rest, and how long the\n" +
			"retention in the configuration keeps it. It reads the configuration only, not the database.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := out.Format()
			if err != nil {
				return err
			}
			cfg, err := app.LoadConfig(g.config)
			if err != nil {
				return err
			}
			entries := app.DataInventory(cfg.Retention)
			switch format {
			case outputJSON:
				return writeJSON(cmd.OutOrStdout(), entries)
			case outputCSV:
				return writeInventoryCSV(cmd.OutOrStdout(), entries)
			}
			return writeInventoryTable(cmd.OutOrStdout(), entries)
		},
	}
	out = addOutputFlags(cmd)
	return cmd
}

func categories(cs []store.Category) string {
	words := make([]string, len(cs))
	for i, c := range cs {
		words[i] = string(c)
	}
	return strings.Join(words, ", ")
}

// writeInventoryTable prints one block per table: what it holds, then its personal
// columns.
func writeInventoryTable(w io.Writer, entries []app.InventoryEntry) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	table := ""
	for _, e := range entries {
		if e.Table != table {
			if table != "" {
				fmt.Fprintln(tw)
			}
			table = e.Table
			fmt.Fprintf(tw, "%s: %s\n", e.Table, e.About)
			fmt.Fprintln(tw, "  COLUMN\tWHOSE\tPROTECTION\tKEPT\tWHY")
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", e.Column, categories(e.Categories), e.Protection, e.Kept, e.Why)
	}
	return tw.Flush()
}

func writeInventoryCSV(w io.Writer, entries []app.InventoryEntry) error {
	rows := make([][]string, len(entries))
	for i, e := range entries {
		rows[i] = []string{e.Table, e.About, e.Column, categories(e.Categories), e.Protection, e.Kept, e.Why}
	}
	return writeCSV(w, []string{"table", "about", "column", "categories", "protection", "kept", "why"}, rows)
}
