//go:build linux

package tty_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/custos-msp/custos/tty"
	"github.com/custos-msp/custos/tty/ttytest"
)

func TestTerminalWidthAndColour(t *testing.T) {
	term, _ := ttytest.Open(t, 57)
	file, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	tests := []struct {
		name     string
		w        any
		noColor  string
		terminal bool
		width    int
		colour   bool
	}{
		{"a terminal", term, "", true, 57, true},
		{"a terminal, NO_COLOR set", term, "1", true, 57, false},
		{"a file", file, "", false, 0, false},
		{"a buffer", &bytes.Buffer{}, "", false, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("NO_COLOR", tt.noColor)
			if got := tty.IsTerminal(tt.w); got != tt.terminal {
				t.Errorf("IsTerminal = %v, want %v", got, tt.terminal)
			}
			if got := tty.Width(tt.w); got != tt.width {
				t.Errorf("Width = %d, want %d", got, tt.width)
			}
			if got := tty.Colour(tt.w); got != tt.colour {
				t.Errorf("Colour = %v, want %v", got, tt.colour)
			}
		})
	}
}
