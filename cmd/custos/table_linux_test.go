//go:build linux

package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/tty/ttytest"
)

// TestFindingsTable_ColourOnlyOnATerminal writes the findings table to a
// pseudo-terminal 72 columns wide and to a file: only the terminal gets colour
// (and not with NO_COLOR set), and only its lines are cut to its width.
func TestFindingsTable_ColourOnlyOnATerminal(t *testing.T) {
	tests := []struct {
		name     string
		terminal bool
		noColor  string
		colour   bool
	}{
		{"terminal", true, "", true},
		{"terminal, NO_COLOR", true, "1", false},
		{"file", false, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("NO_COLOR", tt.noColor)
			var out string
			if tt.terminal {
				term, controller := ttytest.Open(t, 72)
				writeFindingsTable(term, tableFindings)
				out = readUntil(t, controller, "No report")
			} else {
				f, err := os.CreateTemp(t.TempDir(), "findings")
				if err != nil {
					t.Fatal(err)
				}
				writeFindingsTable(f, tableFindings)
				b, err := os.ReadFile(f.Name())
				if err != nil {
					t.Fatal(err)
				}
				out = string(b)
			}
			if got := strings.Contains(out, "\x1b["+colourBoldRed+"mcritical"); got != tt.colour {
				t.Errorf("critical in colour: %v, want %v:\n%q", got, tt.colour, out)
			}
			if cut := strings.Contains(out, "…"); cut != tt.terminal {
				t.Errorf("cells cut: %v, want %v (only to fit a terminal):\n%s", cut, tt.terminal, out)
			}
			for _, l := range strings.Split(strings.TrimSpace(stripANSI(out)), "\n") {
				if n := len([]rune(strings.TrimRight(l, "\r"))); tt.terminal && n > 72 {
					t.Errorf("a line of %d columns on a terminal of 72: %q", n, l)
				}
			}
		})
	}
}

// readUntil reads what the terminal showed until it shows want.
func readUntil(t *testing.T, controller *os.File, want string) string {
	t.Helper()
	var b strings.Builder
	buf := make([]byte, 4096)
	deadline := time.Now().Add(5 * time.Second)
	_ = controller.SetReadDeadline(deadline)
	for !strings.Contains(b.String(), want) && time.Now().Before(deadline) {
		n, err := controller.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			t.Fatalf("reading the terminal: %v (read %q)", err, b.String())
		}
	}
	return b.String()
}
