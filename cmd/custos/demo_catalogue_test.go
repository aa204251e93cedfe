package main

import (
	"strings"
	"testing"

	"github.com/custos-msp/custos/reconcile"
)

// TestDemo_EveryRuleFires runs the demo and reads its open findings: every rule in
// the catalogue shows in them, so the demo is a tour of all Custos checks.
func TestDemo_EveryRuleFires(t *testing.T) {
	// notInDemo are the rules the demo cannot raise, each with why.
	notInDemo := map[string]string{
		reconcile.RuleNotifyFailing: "the demo configures no notify receiver, and a receiver fails for an hour before it is a finding",
	}
	config, _ := demoStore(t)
	open := map[string]bool{}
	for _, f := range findingsJSON(t, "--config", config, "findings", "--status", "open", "--json") {
		open[f.Rule] = true
	}
	var missing []string
	for _, id := range reconcile.Catalogue {
		switch _, excused := notInDemo[id]; {
		case !open[id] && !excused:
			missing = append(missing, id)
		case open[id] && excused:
			t.Errorf("%s now fires in the demo; drop it from notInDemo", id)
		}
	}
	if len(missing) > 0 {
		t.Errorf("the demo raises no finding of %s", strings.Join(missing, ", "))
	}
}
