package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestQuarantine_ListsTheDemosUndecodableDevice runs the demo, whose Datto RMM
// account has one device that does not decode, and lists it in each format; map
// --unresolved counts it.
func TestQuarantine_ListsTheDemosUndecodableDevice(t *testing.T) {
	config, _ := demoStore(t)
	table := mustRun(t, "--config", config, "quarantine")
	for _, want := range []string{"dattormm", "devices", "2284199", "endpoint", "GET /api/v2/account/devices?", `"21/11/2026 09:14" is not a timestamp`} {
		if !strings.Contains(table, want) {
			t.Errorf("custos quarantine lacks %q:\n%s", want, table)
		}
	}
	var rows []quarantinedJSON
	if err := json.Unmarshal([]byte(mustRun(t, "--config", config, "quarantine", "--json")), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].SourceID != "2284199" || rows[0].Stream != "devices" || rows[0].FirstSeen.IsZero() {
		t.Errorf("--json rows %+v, want the one device", rows)
	}
	if csv := mustRun(t, "--config", config, "quarantine", "-o", "csv", "--source", "dattormm"); strings.Count(csv, "\n") != 2 {
		t.Errorf("csv = %q, want a header and one row", csv)
	}
	if none := mustRun(t, "--config", config, "quarantine", "--source", "itglue"); !strings.Contains(none, "Nothing is quarantined") {
		t.Errorf("--source itglue = %q, want nothing", none)
	}
	if out := mustRun(t, "--config", config, "map", "--unresolved"); !strings.Contains(out, "1 record(s) quarantined") {
		t.Errorf("map --unresolved does not count the quarantined record:\n%s", out)
	}
}
