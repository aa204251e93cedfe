package main

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
)

// tableFindings are findings of each severity, one with a long summary.
var tableFindings = []store.FindingView{
	{Finding: store.Finding{ID: 1, Rule: "REMOVAL-WITHOUT-BACKUP", Severity: vocab.Critical, Status: "open",
		Summary: "Mailbox j.doe@contoso.example was removed without a verified backup or a removal authorisation from a customer contact"}, CustomerName: "Contoso Ltd"},
	{Finding: store.Finding{ID: 2, Rule: "ACCESS-UNAUTHORISED", Severity: vocab.High, Status: "open", Summary: "Bob Jones on CON-PC-002"}, CustomerName: "Contoso Ltd"},
	{Finding: store.Finding{ID: 3, Rule: "AGENT-LINGERING", Severity: vocab.Medium, Status: "open", Summary: "Support agent on CON-PC-001"}, CustomerName: "Contoso Ltd"},
	{Finding: store.Finding{ID: 4, Rule: "REPORT-MISSING", Severity: vocab.Info, Status: "open", Summary: "No report"}, CustomerName: "Fabrikam Inc"},
}

func TestTable_ColourBySeverityAndWidth(t *testing.T) {
	long := tableFindings[0].Summary
	tests := []struct {
		name       string
		style      tableStyle
		coloured   map[string]string // severity → the colour its cell is written in
		plain      []string          // severities written without colour
		maxWidth   int               // 0: lines as long as their cells
		wholeCells bool
	}{
		{"plain, whole", tableStyle{}, nil, []string{"critical", "high", "medium", "info"}, 0, true},
		{"colour, any width", tableStyle{colour: true},
			map[string]string{"critical": colourBoldRed, "high": colourRed, "medium": colourYellow}, []string{"info"}, 0, true},
		{"plain, 60 columns", tableStyle{width: 60}, nil, []string{"critical"}, 60, false},
		{"colour, 70 columns", tableStyle{colour: true, width: 70}, map[string]string{"critical": colourBoldRed}, nil, 70, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			writeFindingsTableStyled(&b, tableFindings, tt.style)
			out := b.String()
			for sev, c := range tt.coloured {
				if !strings.Contains(out, "\x1b["+c+"m"+sev+"\x1b[0m") {
					t.Errorf("%s is not written in colour %s:\n%q", sev, c, out)
				}
			}
			for _, sev := range tt.plain {
				if strings.Contains(out, "m"+sev+"\x1b[0m") || !strings.Contains(out, sev) {
					t.Errorf("%s is not written plain:\n%q", sev, out)
				}
			}
			if !tt.style.colour && strings.Contains(out, "\x1b[") {
				t.Errorf("colour without a colour style:\n%q", out)
			}
			if strings.Contains(out, long) != tt.wholeCells {
				t.Errorf("the long summary whole: %v, want %v:\n%s", !tt.wholeCells, tt.wholeCells, out)
			}
			for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
				visible := stripANSI(line)
				if tt.maxWidth > 0 && utf8.RuneCountInString(visible) > tt.maxWidth {
					t.Errorf("line of %d columns in %d: %q", utf8.RuneCountInString(visible), tt.maxWidth, visible)
				}
			}
			if tt.maxWidth > 0 && !strings.Contains(out, "…") {
				t.Errorf("nothing cut to fit %d columns:\n%s", tt.maxWidth, out)
			}
		})
	}
}

// TestTable_AlignsColumns checks that each row's rule starts under RULE, whether
// the severity before it is coloured or not, cut or not.
func TestTable_AlignsColumns(t *testing.T) {
	for _, style := range []tableStyle{{}, {colour: true}, {colour: true, width: 50}} {
		var b bytes.Buffer
		writeFindingsTableStyled(&b, tableFindings, style)
		lines := strings.Split(strings.TrimSuffix(stripANSI(b.String()), "\n"), "\n")
		at := strings.Index(lines[0], "RULE")
		for i, l := range lines[1:] {
			if got := strings.Index(l, tableFindings[i].Rule[:4]); got != at {
				t.Errorf("style %+v: RULE at column %d, %s at %d: %q", style, at, tableFindings[i].Rule, got, l)
			}
		}
	}
}

func TestNewTableStyle(t *testing.T) {
	tests := []struct {
		name     string
		terminal bool
		width    int
		noColour bool
		want     tableStyle
	}{
		{"a terminal", true, 120, false, tableStyle{colour: true, width: 120}},
		{"a terminal, NO_COLOR", true, 120, true, tableStyle{width: 120}},
		{"not a terminal", false, 0, false, tableStyle{}},
		{"not a terminal, NO_COLOR", false, 0, true, tableStyle{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := newTableStyle(tt.terminal, tt.width, tt.noColour); got != tt.want {
				t.Errorf("style = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestFindingsCSV_NeverCut writes the long summary whole to CSV.
func TestFindingsCSV_NeverCut(t *testing.T) {
	var b bytes.Buffer
	if err := writeFindingsCSV(&b, tableFindings); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), tableFindings[0].Summary) || strings.Contains(b.String(), "…") || strings.Contains(b.String(), "\x1b[") {
		t.Errorf("CSV cuts or colours a cell:\n%s", b.String())
	}
}

// stripANSI removes colour escapes.
func stripANSI(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "\x1b[")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		s = s[i:]
		s = s[strings.IndexByte(s, 'm')+1:]
	}
}
