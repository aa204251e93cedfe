package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
)

// findingJSON is the stable JSON shape of a finding in `custos findings --json`.
type findingJSON struct {
	ID          uint           `json:"id"`
	Rule        string         `json:"rule"`
	Severity    vocab.Severity `json:"severity"`
	Customer    string         `json:"customer"`
	Summary     string         `json:"summary"`
	Fingerprint string         `json:"fingerprint"`
	Status      string         `json:"status"`
	Subject     string         `json:"subject"`
	Evidence    []string       `json:"evidence"`
	// Cited is the evidence inline: each event and authorisation with what it says.
	Cited      []app.Evidence `json:"cited"`
	FirstSeen  time.Time      `json:"first_seen"`
	LastSeen   time.Time      `json:"last_seen"`
	ResolvedAt *time.Time     `json:"resolved_at,omitempty"`
}

// The --output formats of the listing commands.
const (
	outputTable = "table"
	outputJSON  = "json"
	outputCSV   = "csv"
)

// output is the --output flag of a listing command, with --json as its alias.
type output struct {
	format string
	asJSON bool
}

// addOutputFlags adds --output and its alias --json to a listing command.
func addOutputFlags(cmd *cobra.Command) *output {
	o := &output{}
	cmd.Flags().StringVarP(&o.format, "output", "o", outputTable, "print as table, json or csv")
	cmd.Flags().BoolVar(&o.asJSON, "json", false, "print JSON; the same as --output json")
	return o
}

// Format returns the format asked for, or an error for one there is none of.
func (o *output) Format() (string, error) {
	switch o.format {
	case outputTable, outputJSON, outputCSV:
	default:
		return "", fmt.Errorf("--output %q: want table, json or csv", o.format)
	}
	if o.asJSON {
		if o.format != outputTable && o.format != outputJSON {
			return "", fmt.Errorf("--json and --output %s ask for two formats; give one", o.format)
		}
		return outputJSON, nil
	}
	return o.format, nil
}

// writeCSV writes a header and rows with encoding/csv.
func writeCSV(w io.Writer, header []string, rows [][]string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("writing CSV: %w", err)
	}
	return nil
}

// csvTime is t in RFC 3339 UTC, or empty for none.
func csvTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeFindingsCSV writes one row per finding; the evidence column holds the
// finding's evidence references, space-separated.
func writeFindingsCSV(w io.Writer, fs []store.FindingView) error {
	rows := make([][]string, len(fs))
	for i, f := range fs {
		rows[i] = []string{
			strconv.FormatUint(uint64(f.ID), 10), string(f.Severity), f.Rule, f.CustomerName, f.Status, f.Summary,
			f.FirstSeen.UTC().Format(time.RFC3339), strings.Join(evidenceRefs(f.Evidence), " "),
		}
	}
	return writeCSV(w, []string{"id", "severity", "rule", "customer", "status", "summary", "first_seen", "evidence"}, rows)
}

func evidenceRefs(evidence string) []string {
	if evidence == "" {
		return []string{}
	}
	return strings.Split(evidence, ",")
}

// writeFindingsJSON writes the findings with cited[i] the inline evidence of fs[i].
// writeFindingsJSON writes the findings with their evidence inline, and when each
// source was last read for the scope listed, so that an empty list is never read as
// "all clear" without data.
func writeFindingsJSON(w io.Writer, fresh app.Freshness, fs []store.FindingView, cited [][]app.Evidence) error {
	out := make([]findingJSON, len(fs))
	for i, f := range fs {
		out[i] = findingJSON{
			ID: f.ID, Rule: f.Rule, Severity: f.Severity, Customer: f.CustomerName, Summary: f.Summary,
			Fingerprint: f.Fingerprint, Status: f.Status, Subject: f.Subject, Evidence: evidenceRefs(f.Evidence), Cited: cited[i],
			FirstSeen: f.FirstSeen.UTC(), LastSeen: f.LastSeen.UTC(), ResolvedAt: f.ResolvedAt,
		}
	}
	return writeJSON(w, struct {
		SourcesRead app.Freshness `json:"sources_read"`
		Findings    []findingJSON `json:"findings"`
	}{fresh, out})
}

func writeFindingsTable(w io.Writer, fs []store.FindingView) {
	if len(fs) == 0 {
		fmt.Fprintln(w, "No findings.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tRULE\tCUSTOMER\tSTATUS\tSUMMARY")
	for _, f := range fs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", f.ID, f.Severity, f.Rule, f.CustomerName, f.Status, f.Summary)
	}
	tw.Flush()
}
