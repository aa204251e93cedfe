// Package tty says what a writer is when a person may be reading it: whether it is a
// terminal, how wide it is, and whether colour may be written to it.
package tty

import (
	"os"

	"golang.org/x/term"
)

// fder is a writer backed by a file descriptor: an *os.File, or a writer that wraps
// one and says so.
type fder interface{ Fd() uintptr }

// IsTerminal reports whether w is a terminal.
func IsTerminal(w any) bool {
	f, ok := w.(fder)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Width returns w's width in columns, or 0 when w is not a terminal or its size is
// unknown.
func Width(w any) int {
	f, ok := w.(fder)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil || width <= 0 {
		return 0
	}
	return width
}

// NoColor reports whether the user asked for no colour: NO_COLOR is set to any
// non-empty value (https://no-color.org).
func NoColor() bool { return os.Getenv("NO_COLOR") != "" }

// Colour reports whether colour may be written to w: it is a terminal and the user
// did not ask for none.
func Colour(w any) bool { return IsTerminal(w) && !NoColor() }
