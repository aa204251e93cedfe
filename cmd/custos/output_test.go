package main

import (
	"encoding/csv"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestDemo_FindingsOutput reads the demo's findings as JSON, with the evidence
// inline, and as CSV, and asks for a format there is none of.
func TestDemo_FindingsOutput(t *testing.T) {
	config, _ := demoStore(t)

	t.Run("json carries the events inline", func(t *testing.T) {
		seen := 0
		for _, f := range findingsJSON(t, "--config", config, "findings", "--output", "json", "--rule", "ACCESS-UNAUTHORISED") {
			if len(f.Cited) != len(f.Evidence) {
				t.Errorf("finding %d cites %d items inline for %d references", f.ID, len(f.Cited), len(f.Evidence))
			}
			for _, e := range f.Cited {
				if e.Event == nil {
					continue
				}
				seen++
				ev := e.Event
				if ev.Operation == "" || ev.Actor == "" || ev.Time.IsZero() || ev.SourceID == "" || ev.Source == "" || ev.Decision == "" {
					t.Errorf("finding %d: %s lacks an operation, actor, time, source id or decision: %+v", f.ID, e.Ref, *ev)
				}
				if !strings.HasPrefix(e.Ref, "access_events:") {
					t.Errorf("finding %d: an event under the reference %s", f.ID, e.Ref)
				}
			}
		}
		if seen == 0 {
			t.Fatal("no ACCESS-UNAUTHORISED finding carries an event inline")
		}
	})

	t.Run("json carries the authorisations inline", func(t *testing.T) {
		rules := map[string]bool{}
		for _, f := range findingsJSON(t, "--config", config, "findings", "--output", "json") {
			for _, e := range f.Cited {
				a := e.Authorisation
				if a == nil {
					continue
				}
				rules[f.Rule] = true
				if a.ID == 0 || a.Ticket == "" || a.Grantor == "" || !strings.HasPrefix(e.Ref, "authorisations:") {
					t.Errorf("finding %d (%s) cites %s without its id, ticket or grantor: %+v", f.ID, f.Rule, e.Ref, *a)
				}
			}
		}
		if !rules["GRANTOR-NOT-AUTHORISED"] {
			t.Errorf("no GRANTOR-NOT-AUTHORISED finding of the demo cites its authorisation inline (rules citing one: %v)", rules)
		}
	})

	t.Run("--json is --output json", func(t *testing.T) {
		a := findingsJSON(t, "--config", config, "findings", "--json")
		b := findingsJSON(t, "--config", config, "findings", "--output", "json")
		if !reflect.DeepEqual(a, b) {
			t.Errorf("--json and --output json differ:\n%+v\n---\n%+v", a, b)
		}
	})

	t.Run("csv is one row per finding", func(t *testing.T) {
		fs := findingsJSON(t, "--config", config, "findings", "--json")
		out, sources, err := runSplit(t, "--config", config, "findings", "--output", "csv")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(sources, "Sources read:") {
			t.Errorf("findings --output csv does not say on standard error when each source was read:\n%s", sources)
		}
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatalf("findings --output csv does not parse: %v", err)
		}
		if len(rows) != len(fs)+1 {
			t.Fatalf("CSV has %d rows for %d findings and a header", len(rows), len(fs))
		}
		if got := strings.Join(rows[0], ","); got != "id,severity,rule,customer,status,summary,first_seen,evidence" {
			t.Errorf("CSV header is %s", got)
		}
		for i, f := range fs {
			if rows[i+1][2] != f.Rule || rows[i+1][5] != f.Summary || rows[i+1][7] != strings.Join(f.Evidence, " ") {
				t.Errorf("CSV row %d is %q; want finding %d (%s)", i+1, rows[i+1], f.ID, f.Rule)
			}
		}
	})

	t.Run("an unknown format is refused", func(t *testing.T) {
		for _, args := range [][]string{{"--output", "xml"}, {"--json", "--output", "csv"}} {
			out, err := run(t, append([]string{"--config", config, "findings"}, args...)...)
			if err == nil || !strings.Contains(err.Error(), "--") {
				t.Errorf("findings %v: err %v\n%s", args, err, out)
			}
		}
		if _, err := run(t, "--config", config, "findings", "--output", "xml"); err == nil || !strings.Contains(err.Error(), "want table, json or csv") {
			t.Errorf("findings --output xml: %v", err)
		}
	})

	t.Run("authorise list and exclude list take --output too", func(t *testing.T) {
		mustRun(t, "--config", config, "exclude", "--customer", "Northwind Traders", "--reason", "server migration, phase 2",
			"--owner", "Sam Lee", "--expires", "14d", "--by", "tester", "--yes")
		for _, list := range [][]string{{"authorise", "list", "--all"}, {"exclude", "list"}} {
			var js []map[string]any
			if err := json.Unmarshal([]byte(mustRun(t, append(append([]string{"--config", config}, list...), "--output", "json")...)), &js); err != nil {
				t.Fatalf("%v --output json: %v", list, err)
			}
			rows, err := csv.NewReader(strings.NewReader(mustRun(t, append(append([]string{"--config", config}, list...), "-o", "csv")...))).ReadAll()
			if err != nil {
				t.Fatalf("%v --output csv does not parse: %v", list, err)
			}
			if len(js) == 0 || len(rows) != len(js)+1 {
				t.Errorf("%v: %d CSV rows for %d items and a header", list, len(rows), len(js))
			}
			if _, err := run(t, append(append([]string{"--config", config}, list...), "--output", "yaml")...); err == nil {
				t.Errorf("%v --output yaml was accepted", list)
			}
		}
	})
}

// TestListings_EveryFormat runs every listing command in each --output format on the
// demo's store: JSON parses, CSV parses with a header and rows of its width, and a
// format asked for twice in two ways is refused.
func TestListings_EveryFormat(t *testing.T) {
	config, _ := demoStore(t)
	for _, listing := range [][]string{
		{"findings"}, {"authorise", "list", "--all"}, {"exclude", "list", "--all"}, {"backup", "list", "--all"}, {"map", "--unresolved"},
	} {
		args := append([]string{"--config", config}, listing...)
		t.Run(strings.Join(listing, " "), func(t *testing.T) {
			out, _, err := runSplit(t, append(args, "--output", "json")...)
			if err != nil || !json.Valid([]byte(out)) {
				t.Errorf("--output json: %v, not JSON:\n%s", err, out)
			}
			out, _, err = runSplit(t, append(args, "--output", "csv")...)
			rows, cerr := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil || cerr != nil || len(rows) < 1 {
				t.Errorf("--output csv: %v, %v:\n%s", err, cerr, out)
			}
			if out, _, err = runSplit(t, append(args, "--output", "table")...); err != nil || out == "" {
				t.Errorf("--output table: %v:\n%s", err, out)
			}
			if _, _, err := runSplit(t, append(args, "--json", "--output", "csv")...); err == nil {
				t.Error("--json --output csv is accepted")
			}
		})
	}
}
