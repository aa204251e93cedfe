package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/evidence"
	"github.com/custos-msp/custos/seal"
)

// run executes the command line in-process and returns what it printed, on
// standard output and standard error together.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := execute(args, &out, &out)
	return out.String(), err
}

// runSplit executes the command line in-process and returns what it printed on
// standard output and on standard error apart.
func runSplit(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = execute(args, &out, &errOut)
	return out.String(), errOut.String(), err
}

func execute(args []string, stdout, stderr io.Writer) error {
	cmd := newRootCommand()
	cmd.SetArgs(args)
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	return cmd.Execute()
}

func findingsJSON(t *testing.T, args ...string) []findingJSON {
	t.Helper()
	out, err := run(t, args...)
	if err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
	var doc struct {
		SourcesRead *app.Freshness `json:"sources_read"`
		Findings    []findingJSON  `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.SourcesRead == nil || doc.Findings == nil {
		t.Fatalf("findings --json is not an object with sources_read and findings (%v):\n%s", err, out)
	}
	return doc.Findings
}

func TestDemo_FlagsMissingBackupsAndIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	first, err := run(t, "demo", "--dir", dir)
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, first)
	}
	for _, want := range []string{
		"CONFIG-BACKUP-MISSING", "Firewall CON-FW01 has no configuration backup",
		"CONFIG-BACKUP-STALE", "FAB-RTR01", "CONFIG-BACKUP-INCOMPLETE", "FAB-FW02",
		filepath.Join(dir, "custos.toml"),
	} {
		if !strings.Contains(first, want) {
			t.Errorf("demo output lacks %q:\n%s", want, first)
		}
	}
	// A switch with a recent backup, a complete pair, the MSP's own firewall, a
	// vendor's firewall, an archived one and a workstation raise nothing.
	lines := strings.Split(first, "\n")
	for _, quiet := range []string{"CON-SW01", "NW-FW01", "NW-CORE01", "MSP-FW01", "TS-FW01", "FAB-FW01", "CON-PC-001"} {
		for _, l := range lines {
			if strings.Contains(l, "CONFIG-BACKUP") && strings.Contains(l, quiet) {
				t.Errorf("demo flagged the backups of %s: %s", quiet, l)
			}
		}
	}
	// The planted agents: a lingering support agent on CON-PC-001 (not on CON-PC-002,
	// whose guest left minutes after the technician), an unapproved unattended agent on
	// FAB-SRV01 (not on NW-SRV01, which the demo approves).
	for rule, want := range map[string][2]string{
		"AGENT-LINGERING":            {"CON-PC-001", "CON-PC-002"},
		"AGENT-PERMANENT-UNAPPROVED": {"FAB-SRV01", "NW-SRV01"},
	} {
		fired, quiet := false, true
		for _, l := range lines {
			if strings.Contains(l, rule) {
				fired = fired || strings.Contains(l, want[0])
				quiet = quiet && !strings.Contains(l, want[1])
			}
		}
		if !fired || !quiet {
			t.Errorf("%s: fired on %s = %v, quiet on %s = %v", rule, want[0], fired, want[1], quiet)
		}
	}

	config := filepath.Join(dir, "custos.toml")
	before := findingsJSON(t, "--config", config, "findings", "--json")
	if second, err := run(t, "demo", "--dir", dir); err != nil {
		t.Fatalf("second demo: %v\n%s", err, second)
	}
	after := findingsJSON(t, "--config", config, "findings", "--json")
	if len(before) < 3 || len(after) != len(before) {
		t.Fatalf("findings: %d after the first run, %d after the second; want the same, at least 3", len(before), len(after))
	}
	for i := range before {
		b, a := before[i], after[i]
		if a.Fingerprint != b.Fingerprint || a.Status != "open" || !a.FirstSeen.Equal(b.FirstSeen) || !a.LastSeen.After(b.LastSeen) {
			t.Errorf("finding %s changed across runs: before %+v after %+v", b.Rule, b, a)
		}
		// Only what matches no customer may name none: unresolved records, a tenant
		// nobody mapped, a connector refused a scope that is linked to no customer, an
		// audit stream of such a scope that stopped arriving, records quarantined in an
		// account-wide scope.
		noCustomer := slices.Contains([]string{"MAPPING-UNRESOLVED", "GDAP-CUSTOMER-INACTIVE", "CONNECTOR-UNHEALTHY", "AUDIT-GAP", "RECORDS-QUARANTINED"}, a.Rule)
		if a.Rule == "" || a.Severity == "" || (a.Customer == "" && !noCustomer) || a.Summary == "" {
			t.Errorf("finding lacks a required field: %+v", a)
		}
	}
}

func TestFindings_Filters(t *testing.T) {
	dir := t.TempDir()
	if out, err := run(t, "demo", "--dir", dir); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	config := filepath.Join(dir, "custos.toml")
	tests := []struct {
		args  []string
		rules []string
	}{
		{[]string{"--customer", "contoso ltd", "--rule", "CONFIG-BACKUP-MISSING"}, []string{"CONFIG-BACKUP-MISSING"}},
		{[]string{"--customer", "Fabrikam Inc", "--rule", "CONFIG-BACKUP-MISSING"}, nil},
		{[]string{"--customer", "contoso ltd", "--rule", "AGENT-LINGERING"}, []string{"AGENT-LINGERING"}},
		{[]string{"--customer", "Northwind Traders", "--rule", "AGENT-PERMANENT-UNAPPROVED"}, nil},
		{[]string{"--rule", "CONFIG-BACKUP-STALE"}, []string{"CONFIG-BACKUP-STALE"}},
		{[]string{"--status", "resolved"}, nil},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			fs := findingsJSON(t, append([]string{"--config", config, "findings", "--json"}, tt.args...)...)
			var rules []string
			for _, f := range fs {
				rules = append(rules, f.Rule)
			}
			slices.Sort(rules)
			if !slices.Equal(rules, tt.rules) {
				t.Errorf("rules = %v, want %v", rules, tt.rules)
			}
		})
	}
	if _, err := run(t, "--config", config, "findings", "--status", "closed"); err == nil {
		t.Error("an unknown --status was accepted")
	}
}

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(bad, []byte("[store]\ndriver = \"mysql\"\n[connectors.itglue]\nenabled = true\npage_size = 5000\ncolour = \"blue\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "--config", bad, "check-config")
	var exit exitError
	if !errors.As(err, &exit) || exit.code != 1 {
		t.Fatalf("check-config of a bad file: err %v, want exit status 1", err)
	}
	for _, want := range []string{"store.driver", "connectors.itglue.page_size", "connectors.itglue.colour: line 6: unknown key", "connectors.itglue.api_key"} {
		if !strings.Contains(out, want) {
			t.Errorf("check-config output lacks %q:\n%s", want, out)
		}
	}

	// The example passes once the key files it names exist.
	example, err := os.ReadFile(filepath.Join("..", "..", "config.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	example = bytes.ReplaceAll(example, []byte("/etc/custos/"), []byte(dir+"/"))
	if err := os.WriteFile(filepath.Join(dir, "custos.toml"), example, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := seal.WriteKeyFile(filepath.Join(dir, "seal.key")); err != nil {
		t.Fatal(err)
	}
	if err := evidence.WriteKeyPair(filepath.Join(dir, "evidence.key")); err != nil {
		t.Fatal(err)
	}
	good, err := run(t, "--config", filepath.Join(dir, "custos.toml"), "check-config")
	if err != nil || !strings.Contains(good, "valid") {
		t.Errorf("config.example.toml: %v\n%s", err, good)
	}
}
