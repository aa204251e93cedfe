package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/store"
)

func newQuarantineCommand(g *globalFlags) *cobra.Command {
	var (
		f   store.QuarantineFilter
		out *output
	)
	cmd := &cobra.Command{
		Use:   "quarantine",
		Short: "List the records that pulls could not decode",
		Long: "quarantine lists every record a pull could not decode: its source, stream and scope, its id when the\n" +
			"payload named one, the page it came from and why it did not decode. A quarantined record is not\n" +
			"checked by any rule and keeps a snapshot from marking it (or, without an id, anything of its scope)\n" +
			"removed; the next pull that decodes it takes it out of quarantine. The payload's excerpt stays sealed.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := out.Format()
			if err != nil {
				return err
			}
			return withApp(cmd, g, func(ctx context.Context, a *app.App) error {
				list, err := a.Quarantined(ctx, f)
				if err != nil {
					return err
				}
				w := cmd.OutOrStdout()
				switch format {
				case outputJSON:
					return writeQuarantineJSON(w, list)
				case outputCSV:
					return writeQuarantineCSV(w, list)
				}
				writeQuarantineTable(w, list)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&f.Source, "source", "", "only this connector's records, e.g. dattormm")
	cmd.Flags().StringVar(&f.Stream, "stream", "", "only this stream's records, e.g. devices")
	cmd.Flags().StringVar(&f.Scope, "scope", "", "only this scope's records, e.g. an organization id")
	out = addOutputFlags(cmd)
	return cmd
}

// quarantinedJSON is the stable JSON shape of `custos quarantine --json`.
type quarantinedJSON struct {
	Source    string    `json:"source"`
	Stream    string    `json:"stream"`
	Scope     string    `json:"scope"`
	SourceID  string    `json:"source_id"`
	Kind      string    `json:"kind"`
	Page      string    `json:"page"`
	Error     string    `json:"error"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

func writeQuarantineJSON(w io.Writer, list []store.QuarantinedRecord) error {
	out := make([]quarantinedJSON, len(list))
	for i, q := range list {
		out[i] = quarantinedJSON{
			Source: q.Source, Stream: q.Stream, Scope: q.Scope, SourceID: q.SourceID, Kind: q.Kind,
			Page: q.Page, Error: q.Error, FirstSeen: q.FirstSeenAt.UTC(), LastSeen: q.SeenAt.UTC(),
		}
	}
	return writeJSON(w, out)
}

func writeQuarantineCSV(w io.Writer, list []store.QuarantinedRecord) error {
	rows := make([][]string, len(list))
	for i, q := range list {
		rows[i] = []string{q.Source, q.Stream, q.Scope, q.SourceID, q.Kind, q.Page, q.Error,
			q.FirstSeenAt.UTC().Format(time.RFC3339), q.SeenAt.UTC().Format(time.RFC3339)}
	}
	return writeCSV(w, []string{"source", "stream", "scope", "source_id", "kind", "page", "error", "first_seen", "last_seen"}, rows)
}

func writeQuarantineTable(w io.Writer, list []store.QuarantinedRecord) {
	if len(list) == 0 {
		fmt.Fprintln(w, "Nothing is quarantined: every record pulled decoded.")
		return
	}
	t := newTable(w, styleFor(w), "SOURCE", "STREAM", "SCOPE", "ID", "KIND", "SINCE", "PAGE", "ERROR")
	for _, q := range list {
		t.Row(q.Source, q.Stream, q.Scope, cmp.Or(q.SourceID, "(none)"), q.Kind,
			q.FirstSeenAt.UTC().Format(time.DateOnly), q.Page, q.Error)
	}
	_ = t.Flush()
}

// writeQuarantineCount says how many records are quarantined, under the listing of
// what is unresolved: they could not be checked either.
func writeQuarantineCount(w io.Writer, list []store.QuarantinedRecord) {
	if len(list) > 0 {
		fmt.Fprintf(w, "\n%d record(s) quarantined: they did not decode, so they are neither mapped nor checked (custos quarantine lists them).\n", len(list))
	}
}
