package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custos-msp/custos/seal"
)

// TestConfigShow_SecretsAsWhereTheyAreKept: config show prints what the file changes,
// --defaults every key; each shows a secret as its variable's name or file's path and
// never its value, and what --defaults prints loads as the same configuration.
func TestConfigShow_SecretsAsWhereTheyAreKept(t *testing.T) {
	const secretValue = "s3cr3t-value-never-shown"
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "seal.key")
	if err := seal.WriteKeyFile(keyFile); err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("CUSTOS_TEST_ITGLUE_KEY", secretValue)
	t.Setenv("CUSTOS_TEST_TEAMS_URL", "https://prod.westeurope.logic.azure.com/workflows/1?sig="+secretValue)
	path := filepath.Join(dir, "custos.toml")
	doc := `
[seal]
key = { file = "seal.key" }

[connectors.itglue]
enabled = true
api_key = { env = "CUSTOS_TEST_ITGLUE_KEY" }

[rules.config_backup_stale]
max_age = "60d"

[[notify.receivers]]
name = "noc"
type = "teams"
teams.url = { env = "CUSTOS_TEST_TEAMS_URL" }
`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	changed, err := run(t, "--config", path, "config", "show")
	if err != nil {
		t.Fatalf("config show: %v\n%s", err, changed)
	}
	all, err := run(t, "--config", path, "config", "show", "--defaults")
	if err != nil {
		t.Fatalf("config show --defaults: %v\n%s", err, all)
	}
	for name, out := range map[string]string{"config show": changed, "config show --defaults": all} {
		for _, want := range []string{
			`api_key = { env = "CUSTOS_TEST_ITGLUE_KEY" }`, `url = { env = "CUSTOS_TEST_TEAMS_URL" }`,
			`key = { file = "` + keyFile + `" }`, `max_age = "60d"`,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %s:\n%s", name, want, out)
			}
		}
		if strings.Contains(out, secretValue) || strings.Contains(out, strings.TrimSpace(string(key))) {
			t.Errorf("%s prints a secret's value:\n%s", name, out)
		}
	}
	// Only --defaults prints what the file leaves at its default.
	for _, dflt := range []string{"page_size = 1000", "[rules.config_backup_missing]", `driver = "sqlite"`} {
		if strings.Contains(changed, dflt) || !strings.Contains(all, dflt) {
			t.Errorf("%s: in config show %v, in --defaults %v; want only in --defaults", dflt, strings.Contains(changed, dflt), strings.Contains(all, dflt))
		}
	}

	again := filepath.Join(dir, "effective.toml")
	if err := os.WriteFile(again, []byte(all), 0o600); err != nil {
		t.Fatal(err)
	}
	allAgain, err := run(t, "--config", again, "config", "show", "--defaults")
	if err != nil {
		t.Fatalf("what config show --defaults printed does not load: %v\n%s", err, allAgain)
	}
	if body(allAgain) != body(all) {
		t.Errorf("the printed configuration loads as another:\n%s\nthen\n%s", all, allAgain)
	}
}

// body is config show's output without its first line, which names the file.
func body(out string) string {
	_, rest, _ := strings.Cut(out, "\n")
	return rest
}
