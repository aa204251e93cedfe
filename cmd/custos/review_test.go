package main

import (
	"context"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	o365fake "github.com/custos-msp/custos/fixtures/o365audit"
	"github.com/custos-msp/custos/register"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// demoStore runs the demo in a temporary directory and returns its configuration
// and database paths.
func demoStore(t *testing.T) (config, db string) {
	t.Helper()
	dir := t.TempDir()
	mustRun(t, "demo", "--dir", dir)
	return filepath.Join(dir, "custos.toml"), filepath.Join(dir, "custos.db")
}

// demoEvent returns the id of the access event a source recorded under sourceID.
func demoEvent(t *testing.T, db, source, sourceID string) string {
	t.Helper()
	st := openTestStore(t, db)
	defer st.Close()
	var e store.AccessEvent
	if err := storetest.DB(context.Background(), st).Where("source = ? AND source_id = ?", source, sourceID).First(&e).Error; err != nil {
		t.Fatalf("access event %s %s: %v", source, sourceID, err)
	}
	return strconv.FormatUint(uint64(e.ID), 10)
}

func TestExplain_DemoDecisions(t *testing.T) {
	config, db := demoStore(t)
	tests := []struct {
		name, source, sourceID string
		says                   []string
		saysNot                []string
	}{
		{"an authorised session", "screenconnect", "5d2c8a71-0e4f-4b3b-a9d6-22bb00000003",
			[]string{"covered by authorisation", "granted by Priya Shah", "Autotask ticket", "findings         none"},
			[]string{"UNAUTHORISED"}},
		{"an unauthorised session", "screenconnect", "0b6e1f52-7c3a-4d19-8e40-11aa00000003",
			[]string{"Bob Jones", "CON-PC-002", "no authorisation of this customer for Bob Jones on CON-PC-002", "ACCESS-UNAUTHORISED open (high)"},
			[]string{"covered by"}},
		{"a session that ran past its authorisation", "screenconnect", "5d2c8a71-0e4f-4b3b-a9d6-22bb00000006",
			[]string{"ended", "access ran until", "ACCESS-UNAUTHORISED open"}, []string{"covered by"}},
		{"a command without authorisation", "dattormm", "a7c4e1d2-000b-4c3b-9e8f-5f000000000b",
			[]string{`ran quick job "Restart Print Spooler"`, "job/deployment", "before the access started", "COMMAND-UNAUTHORISED open"}, []string{"covered by"}},
		{"a removal without backup or removal authorisation", "m365", "Directory_d1a0001",
			[]string{"deleted user j.doe@contoso.example", "a removal", "allows any access except a removal; a removal needs an authorisation for removals", "Autotask ticket", "REMOVAL-WITHOUT-BACKUP open (critical)"}, []string{"covered by"}},
		{"a removal after a verified backup", "o365audit", o365fake.DemoRemoveMailbox,
			[]string{"Remove-Mailbox", "covered by verified backup", "PST export", "verified by Bob Jones", "findings         none"},
			[]string{"REMOVAL-WITHOUT-BACKUP"}},
		{"an access to no known customer", "screenconnect", "f1b7c9d3-2a6e-4f05-8c4b-44dd00000001",
			[]string{"not checked", "custos map --unresolved"}, []string{"covered by"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := demoEvent(t, db, tt.source, tt.sourceID)
			out := mustRun(t, "--config", config, "explain", "event:"+id, "--timezone", "UTC")
			for _, want := range tt.says {
				if !strings.Contains(out, want) {
					t.Errorf("explain event:%s lacks %q:\n%s", id, want, out)
				}
			}
			for _, not := range tt.saysNot {
				if strings.Contains(out, not) {
					t.Errorf("explain event:%s says %q:\n%s", id, not, out)
				}
			}
		})
	}

	t.Run("a finding lists its events with their decisions", func(t *testing.T) {
		id := demoEvent(t, db, "screenconnect", "0b6e1f52-7c3a-4d19-8e40-11aa00000003")
		var finding string
		for _, f := range findingsJSON(t, "--config", config, "findings", "--json", "--rule", "ACCESS-UNAUTHORISED") {
			if reflect.DeepEqual(f.Evidence, []string{"access_events:" + id}) {
				finding = strconv.FormatUint(uint64(f.ID), 10)
			}
		}
		if finding == "" {
			t.Fatalf("no ACCESS-UNAUTHORISED finding cites only access_events:%s", id)
		}
		out := mustRun(t, "--config", config, "explain", finding)
		for _, want := range []string{"Finding " + finding, "ACCESS-UNAUTHORISED, high, open", "Contoso Ltd", "event:" + id, "no authorisation of this customer"} {
			if !strings.Contains(out, want) {
				t.Errorf("explain %s lacks %q:\n%s", finding, want, out)
			}
		}
	})

	for _, bad := range []string{"event:x", "event:0", "finding:", "999999"} {
		if out, err := run(t, "--config", config, "explain", bad); err == nil {
			t.Errorf("explain %s: no error\n%s", bad, out)
		}
	}
}

func TestExclude_SuppressesUntilEnded(t *testing.T) {
	config, _ := demoStore(t)
	t.Setenv("USER", "tester")
	open := func() int {
		return len(findingsJSON(t, "--config", config, "findings", "--json", "--customer", "Northwind Traders", "--status", "open"))
	}
	before := open()
	if before == 0 {
		t.Fatal("the demo has no open finding for Northwind Traders")
	}

	for name, args := range map[string][]string{
		"no reason":    {"--customer", "Northwind Traders", "--owner", "Sam", "--expires", "7d"},
		"no scope":     {"--reason", "r", "--owner", "Sam", "--expires", "7d"},
		"unknown rule": {"--rule", "NOT-A-RULE", "--reason", "r", "--owner", "Sam", "--expires", "7d"},
		"past expiry":  {"--rule", "AGENT-LINGERING", "--reason", "r", "--owner", "Sam", "--expires", "2020-01-01"},
		"no customer":  {"--customer", "Nobody Ltd", "--reason", "r", "--owner", "Sam", "--expires", "7d"},
	} {
		if out, err := run(t, append([]string{"--config", config, "exclude"}, args...)...); err == nil {
			t.Errorf("%s: exclude accepted it\n%s", name, out)
		}
	}
	if got := open(); got != before {
		t.Fatalf("refused exclusions changed the open findings: %d, want %d", got, before)
	}

	// Northwind has a critical finding: the exclusion needs --yes (see
	// TestExclude_ConfirmsALargeOrCriticalSuppression).
	out := mustRun(t, "--config", config, "exclude", "--customer", "Northwind Traders", "--reason", "server migration",
		"--owner", "Sam Lee", "--expires", "14d", "--yes")
	if !strings.Contains(out, "exclusion 1 added; it suppresses "+strconv.Itoa(before)+" finding(s)") {
		t.Errorf("exclude printed %q, want it to suppress %d findings", out, before)
	}
	if got := open(); got != 0 {
		t.Errorf("%d Northwind findings still open after the exclusion", got)
	}
	if n := strings.Count(out, " suppressed: exclusion 1 "); n != before {
		t.Errorf("exclude printed %d suppressed findings, want %d lines, one each:\n%s", n, before, out)
	}
	suppressed := findingsJSON(t, "--config", config, "findings", "--json", "--customer", "Northwind Traders", "--status", "suppressed")
	if len(suppressed) != before {
		t.Errorf("%d suppressed, want %d kept as suppressed", len(suppressed), before)
	}
	if list := mustRun(t, "--config", config, "exclude", "list"); !strings.Contains(list, "Northwind Traders") || !strings.Contains(list, "server migration") {
		t.Errorf("exclude list:\n%s", list)
	}

	out = mustRun(t, "--config", config, "exclude", "end", "1")
	if !strings.Contains(out, strconv.Itoa(before)+" finding(s) opened again") {
		t.Errorf("exclude end printed %q", out)
	}
	if got := open(); got != before {
		t.Errorf("%d open after the exclusion ended, want %d", got, before)
	}
	if list := mustRun(t, "--config", config, "exclude", "list", "--all"); !strings.Contains(list, "ended by tester") {
		t.Errorf("exclude list --all does not show the ended exclusion:\n%s", list)
	}
}

func TestReplay_PreviewsWithoutChanging(t *testing.T) {
	config, db := demoStore(t)
	t.Setenv("USER", "tester")
	before := findingsJSON(t, "--config", config, "findings", "--json")
	event := demoEvent(t, db, "screenconnect", "0b6e1f52-7c3a-4d19-8e40-11aa00000003")
	decision := func() string {
		return mustRun(t, "--config", config, "explain", "event:"+event)
	}
	explained := decision()

	// An authorisation recorded after the fact covers Bob's session on CON-PC-002. It
	// is written to the store directly: `authorise add` would reconcile at once, and
	// replay would have nothing left to preview.
	st := openTestStore(t, db)
	_, err := register.Add(context.Background(), st, register.Entry{Customer: "Contoso Ltd", Technician: "Bob Jones",
		Device: "CON-PC-002", Scope: "remote", From: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), GrantedBy: "Jane Doe",
		Evidence: "email 2026-11-20", RecordedBy: "tester"}, time.Now())
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, "--config", config, "replay", "--since", "14d", "--dry-run")
	resolving := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, "resolve "); ok {
			resolving[strings.TrimSpace(rest)[:strings.Index(strings.TrimSpace(rest), " on 20")]] = true
		}
	}
	// Only Bob's session is covered now; the older uncovered sessions of Contoso lie
	// outside the 14 days and are not reported as resolving.
	want := map[string]bool{"ACCESS-UNAUTHORISED Contoso Ltd: Bob Jones had a remote control session on CON-PC-002": true}
	if !reflect.DeepEqual(resolving, want) {
		t.Errorf("replay would resolve %v, want %v:\n%s", resolving, want, out)
	}
	if after := findingsJSON(t, "--config", config, "findings", "--json"); !reflect.DeepEqual(after, before) {
		t.Errorf("replay changed the findings")
	}
	if got := decision(); got != explained {
		t.Errorf("replay changed the stored decision:\n%s\nwas\n%s", got, explained)
	}
	if out, err := run(t, "--config", config, "replay", "--dry-run=false"); err == nil {
		t.Errorf("replay without --dry-run changed nothing but did not say so:\n%s", out)
	}
}
