package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

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
	FirstSeen   time.Time      `json:"first_seen"`
	LastSeen    time.Time      `json:"last_seen"`
	ResolvedAt  *time.Time     `json:"resolved_at,omitempty"`
}

func writeFindingsJSON(w io.Writer, fs []store.FindingView) error {
	out := make([]findingJSON, len(fs))
	for i, f := range fs {
		evidence := []string{}
		if f.Evidence != "" {
			evidence = strings.Split(f.Evidence, ",")
		}
		out[i] = findingJSON{
			ID: f.ID, Rule: f.Rule, Severity: f.Severity, Customer: f.CustomerName, Summary: f.Summary,
			Fingerprint: f.Fingerprint, Status: f.Status, Subject: f.Subject, Evidence: evidence,
			FirstSeen: f.FirstSeen.UTC(), LastSeen: f.LastSeen.UTC(), ResolvedAt: f.ResolvedAt,
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
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
