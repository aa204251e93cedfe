package main

import (
	"strings"
	"testing"
)

// TestBench_PrintsEveryPhase runs a small bench and checks that it says what each
// phase did: the first run checks every event, the unchanged run none.
func TestBench_PrintsEveryPhase(t *testing.T) {
	out, err := run(t, "bench", "--customers", "2", "--events", "300", "--authorisations", "40")
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	for _, want := range []string{
		"2 customers, 300 access events, 40 authorisations on SQLite, personal data sealed",
		"ingest ", "records written",
		"first run ", "300 events checked",
		"unchanged run ", "0 events checked, 0 covered, 0 findings opened",
		"run after a day's new data",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("bench output lacks %q:\n%s", want, out)
		}
	}
}

func TestBench_RefusesBadSizes(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--customers", "0"}, "customers is 0; it must be at least 1"},
		{[]string{"--events", "-5"}, "events is -5; it must not be negative"},
		{[]string{"--postgres", "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"}, "bench: --postgres:"},
	} {
		out, err := run(t, append([]string{"bench"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("bench %v: error %v, want one saying %q\n%s", c.args, err, c.want, out)
		}
	}
}
