package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/progress"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/tty"
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
	Cited     []app.Evidence `json:"cited"`
	FirstSeen time.Time      `json:"first_seen"`
	// Happened is when what the finding is about happened: its earliest access, else
	// FirstSeen. Reports date findings by it.
	Happened   time.Time  `json:"happened"`
	LastSeen   time.Time  `json:"last_seen"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
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
func writeFindingsJSON(w io.Writer, fresh app.Freshness, fs []store.FindingView, cited [][]app.Evidence, happened map[uint]time.Time) error {
	out := make([]findingJSON, len(fs))
	for i, f := range fs {
		out[i] = findingJSON{
			ID: f.ID, Rule: f.Rule, Severity: f.Severity, Customer: f.CustomerName, Summary: f.Summary,
			Fingerprint: f.Fingerprint, Status: f.Status, Subject: f.Subject, Evidence: evidenceRefs(f.Evidence), Cited: cited[i],
			FirstSeen: f.FirstSeen.UTC(), Happened: happened[f.ID].UTC(), LastSeen: f.LastSeen.UTC(), ResolvedAt: f.ResolvedAt,
		}
	}
	return writeJSON(w, struct {
		SourcesRead app.Freshness `json:"sources_read"`
		Findings    []findingJSON `json:"findings"`
	}{fresh, out})
}

// writeFindingsTable writes the findings as a table in w's style (styleFor).
func writeFindingsTable(w io.Writer, fs []store.FindingView) {
	writeFindingsTableStyled(w, fs, styleFor(w))
}

// writeFindingsTableStyled writes the findings as a table in style, each severity
// in its colour.
func writeFindingsTableStyled(w io.Writer, fs []store.FindingView, style tableStyle) {
	if len(fs) == 0 {
		fmt.Fprintln(w, "No findings.")
		return
	}
	t := newTable(w, style, "ID", "SEVERITY", "RULE", "CUSTOMER", "STATUS", "SUMMARY")
	t.ColourColumn(1, severityColour)
	for _, f := range fs {
		t.Row(strconv.FormatUint(uint64(f.ID), 10), string(f.Severity), f.Rule, f.CustomerName, f.Status, f.Summary)
	}
	_ = t.Flush() // as fmt.Fprint's, a failed write to the terminal is not reported
}

// tableStyle is how a table is drawn where it is written: in colour or not, and how
// wide a line may be (0: any width).
type tableStyle struct {
	colour bool
	width  int
}

// styleFor is the style of a table written to w: colour only on a terminal and
// when NO_COLOR is unset, lines as wide as the terminal; on anything else (a file,
// a pipe) plain and whole.
func styleFor(w io.Writer) tableStyle {
	return newTableStyle(tty.IsTerminal(w), tty.Width(w), tty.NoColor())
}

func newTableStyle(terminal bool, width int, noColour bool) tableStyle {
	if !terminal {
		return tableStyle{}
	}
	return tableStyle{colour: !noColour, width: width}
}

// ANSI colours of a table cell.
const (
	colourRed     = "31"
	colourBoldRed = "1;31"
	colourYellow  = "33"
	colourCyan    = "36"
)

// severityColour colours a severity: critical and high red, medium yellow, low cyan.
func severityColour(s string) string {
	switch vocab.Severity(s) {
	case vocab.Critical:
		return colourBoldRed
	case vocab.High:
		return colourRed
	case vocab.Medium:
		return colourYellow
	case vocab.Low:
		return colourCyan
	}
	return ""
}

// table writes rows in aligned columns: the one table writer of the listings. In
// a terminal's style it colours the cells a column's colour function picks and
// cuts the widest cells with "…" so that each line fits the terminal; otherwise it
// writes every cell whole and plain.
type table struct {
	w       io.Writer
	style   tableStyle
	rows    [][]string // the header first
	colours map[int]func(cell string) string
}

// columnGap separates two columns.
const columnGap = 2

// minColumn is the narrowest a column is cut to; lastColumn the narrowest the last
// column is cut to before any other is.
const (
	minColumn  = 4
	lastColumn = 20
)

// newTable returns a table written to w in style, with header as its first row.
func newTable(w io.Writer, style tableStyle, header ...string) *table {
	return &table{w: w, style: style, rows: [][]string{header}}
}

// Row adds a row.
func (t *table) Row(cells ...string) { t.rows = append(t.rows, cells) }

// ColourColumn colours the cells of column col (the header's aside) with the ANSI
// colour f picks for each, none when f returns "".
func (t *table) ColourColumn(col int, f func(cell string) string) {
	if t.colours == nil {
		t.colours = map[int]func(string) string{}
	}
	t.colours[col] = f
}

// Flush writes the table and returns the writer's error.
func (t *table) Flush() error {
	widths := t.fit(t.widths())
	var b strings.Builder
	for i, row := range t.rows {
		for j, cell := range row {
			last := j == len(row)-1
			cell = progress.Truncate(cell, widths[j])
			pad := widths[j] - utf8.RuneCountInString(cell)
			if f := t.colours[j]; f != nil && i > 0 && t.style.colour {
				if c := f(cell); c != "" {
					cell = "\x1b[" + c + "m" + cell + "\x1b[0m"
				}
			}
			b.WriteString(cell)
			if !last {
				b.WriteString(strings.Repeat(" ", pad+columnGap))
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(t.w, b.String())
	return err
}

// widths is each column's widest cell.
func (t *table) widths() []int {
	var widths []int
	for _, row := range t.rows {
		for j, cell := range row {
			if j == len(widths) {
				widths = append(widths, 0)
			}
			widths[j] = max(widths[j], utf8.RuneCountInString(cell))
		}
	}
	return widths
}

// fit narrows the columns until a line fits the style's width: first the last
// column (free text, such as a summary) down to lastColumn, then the widest, one
// character at a time, down to minColumn.
func (t *table) fit(widths []int) []int {
	if t.style.width <= 0 || len(widths) == 0 {
		return widths
	}
	total := func() int {
		n := columnGap * (len(widths) - 1)
		for _, w := range widths {
			n += w
		}
		return n
	}
	last := len(widths) - 1
	for total() > t.style.width && widths[last] > lastColumn {
		widths[last]--
	}
	for total() > t.style.width {
		widest := 0
		for j, w := range widths {
			if w > widths[widest] {
				widest = j
			}
		}
		if widths[widest] <= minColumn {
			break
		}
		widths[widest]--
	}
	return widths
}
