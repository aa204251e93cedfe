package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/custos-msp/custos/app"
)

// TestLookup_EveryCommandRefusesWhatNamesNothing runs the commands that take a
// customer, technician, device or source through the one lookup: an unknown name is
// refused with a suggestion, an id must exist, a source must be a connector, and a
// name in another case or without its legal form is accepted.
func TestLookup_EveryCommandRefusesWhatNamesNothing(t *testing.T) {
	config, _ := demoStore(t)
	t.Setenv("USER", "tester")
	exclude := []string{"--config", config, "exclude", "--reason", "r", "--owner", "Sam", "--expires", "7d"}
	refused := []struct {
		name string
		args []string
		want string
	}{
		{"findings, a typo", []string{"--config", config, "findings", "--customer", "Contso"},
			`--customer: no customer is called "Contso"; did you mean "Contoso Ltd"?`},
		{"exclude, an id nobody has", append(exclude, "--customer", "999"), "--customer: no customer has id 999"},
		{"exclude, a technician typo", append(exclude, "--technician", "Bob Jnes"), `did you mean "Bob Jones"?`},
		{"map link, a misspelt source", []string{"--config", config, "map", "link", "customer", "datto", "s-1", "Contoso Ltd"},
			`SOURCE: no source is called "datto"; did you mean "dattormm"?`},
		{"map link, an id nobody has", []string{"--config", config, "map", "link", "customer", "dattormm", "s-1", "999"},
			"TARGET: no customer has id 999"},
		{"report, a typo", []string{"--config", config, "report", "--customer", "Fabrikm"}, `did you mean "Fabrikam Inc"?`},
		{"backup list, a typo", []string{"--config", config, "backup", "list", "--customer", "Nortwind"}, `did you mean "Northwind Traders"?`},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			out, err := run(t, tt.args...)
			var exit exitError
			// main prints any other error and exits 1.
			if err == nil || errors.As(err, &exit) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one saying %q (exit 1)\n%s", err, tt.want, out)
			}
		})
	}
	if out := mustRun(t, "--config", config, "exclude", "list"); !strings.Contains(out, "No exclusions.") {
		t.Errorf("a refused exclusion was added:\n%s", out)
	}

	contoso := findingsJSON(t, "--config", config, "findings", "--json", "--customer", "contoso")
	if len(contoso) == 0 {
		t.Error("findings --customer contoso listed nothing")
	}
	for _, f := range contoso {
		if f.Customer != "Contoso Ltd" {
			t.Errorf("findings --customer contoso listed a finding of %q", f.Customer)
		}
	}
	if out, err := run(t, "--config", config, "report", "--customer", "CONTOSO LIMITED", "--out", t.TempDir()); err != nil || !strings.Contains(out, "Contoso Ltd") {
		t.Errorf("report --customer in another case and legal form: %v\n%s", err, out)
	}
}

// TestExclude_ConfirmsALargeOrCriticalSuppression checks both sides of the threshold:
// a scope with a critical finding is refused without --yes, saying what it would
// suppress, and added with it; a small scope needs no --yes.
func TestExclude_ConfirmsALargeOrCriticalSuppression(t *testing.T) {
	config, _ := demoStore(t)
	t.Setenv("USER", "tester")
	open := func(customer string) (all, critical int) {
		for _, f := range findingsJSON(t, "--config", config, "findings", "--json", "--customer", customer, "--status", "open") {
			all++
			if f.Severity == "critical" {
				critical++
			}
		}
		return all, critical
	}
	all, critical := open("Contoso Ltd")
	if all <= app.ConfirmAbove || critical == 0 {
		t.Fatalf("the demo's Contoso Ltd has %d open findings, %d critical; the test needs more than %d and a critical one", all, critical, app.ConfirmAbove)
	}
	exclude := []string{"--config", config, "exclude", "--customer", "contoso", "--reason", "migration", "--owner", "Sam", "--expires", "7d"}
	out, err := run(t, exclude...)
	var confirm *app.ConfirmError
	if !errors.As(err, &confirm) || confirm.Impact != (app.Impact{Open: all, Critical: critical}) || !strings.Contains(err.Error(), "--yes") {
		t.Fatalf("exclude without --yes: %v, want a refusal naming %d findings, %d critical, and --yes\n%s", err, all, critical, out)
	}
	if got, _ := open("Contoso Ltd"); got != all {
		t.Errorf("the refused exclusion suppressed findings: %d open, want %d", got, all)
	}
	out = mustRun(t, append(exclude, "--yes")...)
	if !strings.Contains(out, app.Impact{Open: all, Critical: critical}.String()) || !strings.Contains(out, "exclusion 1 added") {
		t.Errorf("exclude --yes printed %q", out)
	}
	if got, _ := open("Contoso Ltd"); got != 0 {
		t.Errorf("%d Contoso findings open after the confirmed exclusion", got)
	}

	// A stale backup of Fabrikam's, not critical: below the threshold, no --yes needed.
	small := mustRun(t, "--config", config, "exclude", "--customer", "Fabrikam", "--rule", "CONFIG-BACKUP-STALE",
		"--reason", "r", "--owner", "Sam", "--expires", "7d")
	if !strings.Contains(small, "exclusion 2 added; it suppresses 1 finding(s)") {
		t.Errorf("a small exclusion was not added: %q", small)
	}
}
