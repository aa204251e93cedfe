//go:build linux

package main

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/custos-msp/custos/demo"
	"github.com/custos-msp/custos/tty/ttytest"
)

// TestSync_LiveLinesOnATerminal syncs the demo with standard error a terminal: it
// shows a line per connector, redrawn in place, ending "done in"; standard output
// (not a terminal) gets the summary, plain.
func TestSync_LiveLinesOnATerminal(t *testing.T) {
	env, err := demo.Start(t.TempDir(), clock())
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	term, controller := ttytest.Open(t, 100)
	shown := make(chan string)
	go func() {
		b, _ := io.ReadAll(controller) // until the terminal end closes
		shown <- string(b)
	}()
	var out bytes.Buffer
	_ = execute([]string{"--config", env.ConfigPath, "sync", "--no-reconcile"}, &out, term)
	_ = term.Close()
	screen := <-shown
	for _, connector := range []string{"itglue", "screenconnect", "dattormm", "autotask", "m365", "o365audit"} {
		if !strings.Contains(screen, "\r\x1b[J"+connector) && !strings.Contains(screen, "\n"+connector) {
			t.Errorf("the terminal shows no live line for %s", connector)
		}
	}
	if !regexp.MustCompile(`\x1b\[[1-6]A\r\x1b\[J`).MatchString(screen) || !strings.Contains(screen, "done in") {
		t.Errorf("the terminal's lines are not redrawn in place, ending done:\n%q", screen)
	}
	if !strings.HasPrefix(out.String(), "CONNECTOR") || strings.Contains(out.String(), "\x1b[") {
		t.Errorf("standard output does not start with the plain summary:\n%q", out.String())
	}
}
