package main

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/demo"
)

// TestFreshness_NeverSyncedRefuses runs each listing command on a database nothing
// was ever synced into: each fails (custos exits 1) with the message that says why,
// instead of "No findings." or "Everything is resolved.".
func TestFreshness_NeverSyncedRefuses(t *testing.T) {
	config, _ := authoriseSetup(t)
	for _, args := range [][]string{
		{"findings"}, {"findings", "--json"}, {"map", "--unresolved"}, {"replay", "--since", "14d", "--dry-run"},
	} {
		out, err := run(t, append([]string{"--config", config}, args...)...)
		if !errors.Is(err, app.ErrNeverSynced) || !strings.Contains(err.Error(), "Nothing has been synced yet: run `custos sync`") {
			t.Errorf("%v: error %v, want %v", args, err, app.ErrNeverSynced)
		}
		for _, allClear := range []string{"No findings.", "Everything is resolved.", "Nothing would be raised."} {
			if strings.Contains(out, allClear) {
				t.Errorf("%v says %q on a database never synced:\n%s", args, allClear, out)
			}
		}
	}
}

// TestFreshness_SyncThenFindings syncs the demo's fake vendors and lists the
// findings with no reconcile in between: sync reconciled, and the listing says when
// each source was read and which of the demo's tenants fail; authorise add then
// resolves findings and says so.
func TestFreshness_SyncThenFindings(t *testing.T) {
	env, err := demo.Start(t.TempDir(), clock())
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	config := env.ConfigPath
	if out, err := run(t, "--config", config, "sync"); !strings.Contains(out, "findings: ") {
		t.Fatalf("sync did not reconcile (err %v):\n%s", err, out)
	}
	out := mustRun(t, "--config", config, "findings", "--rule", "GDAP-GLOBAL-ADMIN")
	for _, want := range []string{"GDAP-GLOBAL-ADMIN", "Sources read:", "  itglue: read ", "  m365: ", "scopes failing since "} {
		if !strings.Contains(out, want) {
			t.Errorf("findings after sync lack %q:\n%s", want, out)
		}
	}
	for _, args := range [][]string{{"map", "--unresolved"}, {"replay", "--since", "14d", "--dry-run"}} {
		if out := mustRun(t, append([]string{"--config", config}, args...)...); !strings.Contains(out, "  screenconnect: read ") {
			t.Errorf("%v does not say when screenconnect was read:\n%s", args, out)
		}
	}
	// The JSON listings carry the same facts, for the scope listed.
	for _, args := range [][]string{{"findings", "--json", "--customer", "contoso ltd"}, {"map", "--unresolved", "--json"}} {
		var doc struct {
			SourcesRead app.Freshness `json:"sources_read"`
		}
		if err := json.Unmarshal([]byte(mustRun(t, append([]string{"--config", config}, args...)...)), &doc); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		read := map[string]bool{}
		for _, s := range doc.SourcesRead.Sources {
			read[s.Connector] = !s.NeverRead()
		}
		if !read["itglue"] || !read["screenconnect"] {
			t.Errorf("%v: sources_read %+v, want itglue and screenconnect read", args, doc.SourcesRead)
		}
		if wantCustomer := slices.Contains(args, "--customer"); wantCustomer != (doc.SourcesRead.Customer == "Contoso Ltd") {
			t.Errorf("%v: sources_read is for customer %q", args, doc.SourcesRead.Customer)
		}
	}
	// Authorising Bob Jones for anything at Contoso now reconciles at once and says
	// what changed: his earlier accesses are authorised afterwards, not covered
	// (ACCESS-AUTHORISED-LATE), since the authorisation was recorded after them.
	out = mustRun(t, "--config", config, "authorise", "add", "--customer", "Contoso Ltd", "--technician", "Bob Jones",
		"--device", "any", "--scope", "any", "--from", "2020-01-01", "--standing", "--granted-by", "Jane Doe", "--evidence", "T1", "--by", "tester")
	for _, want := range []string{" resolved: authorised afterwards: the authorisation in T1 (granted by Jane Doe) was recorded ", " opened: ACCESS-AUTHORISED-LATE: Bob Jones "} {
		if !strings.Contains(out, want) {
			t.Errorf("authorise add does not print what it changed (%q):\n%s", want, out)
		}
	}
}

// TestWriteFreshness says for each source whether it was read, when, and since when
// it fails.
func TestWriteFreshness(t *testing.T) {
	now := time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := now.Add(-d); return &v }
	tests := []struct {
		name string
		src  app.Source
		want string
	}{
		{"read", app.Source{Connector: "itglue", Scopes: 1, LastRead: at(12 * time.Minute)}, "  itglue: read 2026-12-06 04:48 UTC (12m ago)\n"},
		{"no pull yet", app.Source{Connector: "m365"}, "  m365: never read\n"},
		{"never read, failing", app.Source{Connector: "dattormm", Scopes: 2, Failing: 2, FailingSince: at(26 * time.Hour)},
			"  dattormm: 2 of 2 scopes failing since 2026-12-05 03:00 UTC (1d2h ago); never read\n"},
		{"failing after a read", app.Source{Connector: "o365audit", Scopes: 3, Failing: 1, FailingSince: at(time.Hour), LastRead: at(0)},
			"  o365audit: 1 of 3 scopes failing since 2026-12-06 04:00 UTC (1h ago); read 2026-12-06 05:00 UTC (just now)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			writeFreshness(&b, app.Freshness{Sources: []app.Source{tt.src}, At: now})
			if got, want := b.String(), "Sources read:\n"+tt.want; got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}
