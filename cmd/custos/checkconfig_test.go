package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custos-msp/custos/seal"
)

// TestCheckConfig_ListsEachProblem runs check-config on files with one problem each
// (and one with all of them): it exits 1 and lists exactly the problems the file has,
// each under its key, and never shows a secret's value.
func TestCheckConfig_ListsEachProblem(t *testing.T) {
	const (
		itglue  = "[connectors.itglue]\nenabled = true\n"
		datto   = "[connectors.dattormm]\nenabled = true\napi_key = { env = \"CUSTOS_TEST_DATTO_KEY\" }\napi_secret = { env = \"CUSTOS_TEST_DATTO_SECRET\" }\n"
		teams   = "[[notify.receivers]]\nname = \"noc\"\ntype = \"teams\"\nteams.url = { env = \"CUSTOS_TEST_TEAMS_URL\" }\n"
		sealKey = "[seal]\nkey = { file = \"seal.key\" }\n"
		// secretValue is the value of every secret set here; no output may show it.
		secretValue = "s3cr3t-value-never-shown"
	)
	writeKey := func(mode os.FileMode) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) {
			path := filepath.Join(dir, "seal.key")
			if err := seal.WriteKeyFile(path); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, mode); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name  string
		doc   string
		setup func(t *testing.T, dir string)
		want  []string
		// problems is how many the file has: a problem given twice, or an unknown
		// table given once per key under it, shows as more.
		problems int
	}{
		{
			name:     "environment variable not set",
			doc:      itglue + "api_key = { env = \"CUSTOS_TEST_UNSET_KEY\" }\n",
			want:     []string{"connectors.itglue.api_key: environment variable CUSTOS_TEST_UNSET_KEY is not set"},
			problems: 1,
		},
		{
			name:     "secret file missing",
			doc:      itglue + "api_key = { file = \"itglue.key\" }\n",
			want:     []string{"connectors.itglue.api_key: reading secret file", "itglue.key: no such file or directory"},
			problems: 1,
		},
		{
			name:     "key file readable by every user",
			doc:      sealKey + "keep_raw_payloads = true\n",
			setup:    writeKey(0o644),
			want:     []string{"seal.key: secret file", "(mode 0644) is readable or writable by every user of this machine: run chmod 600"},
			problems: 1,
		},
		{
			name:     "Datto RMM platform misspelt",
			doc:      datto + "platform = \"merlott\"\n",
			want:     []string{`connectors.dattormm.platform: "merlott" is not a platform name: one of pinotage, merlot, concord, vidal, zinfandel, syrah`, `did you mean "merlot"?`},
			problems: 1,
		},
		{
			name:     "Teams receiver URL not a Workflows webhook",
			doc:      sealKey + teams,
			setup:    writeKey(0o600),
			want:     []string{"notify.receivers[0].teams.url: environment variable CUSTOS_TEST_TEAMS_URL: the URL is not an https Workflows webhook on *.logic.azure.com or *.api.powerplatform.com"},
			problems: 1,
		},
		{
			name:     "section name misspelt",
			doc:      "[conectors.itglue]\nenabled = true\napi_key = { env = \"CUSTOS_TEST_UNSET_KEY\" }\npage_size = 100\n",
			want:     []string{`conectors: line 1: unknown key; did you mean "connectors"?`},
			problems: 1,
		},
		{
			name: "several type errors",
			doc:  "[sync]\nbatch_size = \"many\"\nconcurrency = 2.5\n[daemon]\nshutdown_timeout = \"30 secs\"\nlisten = 9464\n",
			want: []string{
				"sync.batch_size: line 2: incompatible types: the value is a string; write a whole number",
				"sync.concurrency: line 3: incompatible types: the value is a float; write a whole number",
				`daemon.shutdown_timeout: line 5: invalid duration "30 secs"`,
				"daemon.listen: line 6: incompatible types: the value is an integer; write a string",
			},
			problems: 4,
		},
		{
			name: "all at once",
			doc: "[seal]\nkey = { file = \"missing.key\" }\n" + itglue + "api_key = { env = \"CUSTOS_TEST_UNSET_KEY\" }\n" +
				datto + "platform = \"merlott\"\n" + "[sync]\nbatch_size = \"many\"\n" + teams,
			want: []string{
				"seal.key: reading secret file", "connectors.itglue.api_key: environment variable",
				"connectors.dattormm.platform:", "sync.batch_size: line 12:", "notify.receivers[0].teams.url:",
			},
			problems: 5,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CUSTOS_TEST_DATTO_KEY", secretValue)
			t.Setenv("CUSTOS_TEST_DATTO_SECRET", secretValue)
			t.Setenv("CUSTOS_TEST_TEAMS_URL", "https://hooks.example.com/workflow?sig="+secretValue)
			dir := t.TempDir()
			if tt.setup != nil {
				tt.setup(t, dir)
			}
			path := filepath.Join(dir, "custos.toml")
			if err := os.WriteFile(path, []byte(tt.doc), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := run(t, "--config", path, "check-config")
			var exit exitError
			if !errors.As(err, &exit) || exit.code != 1 {
				t.Fatalf("check-config: err %v, want exit status 1\n%s", err, out)
			}
			for _, want := range tt.want {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			if count := fmt.Sprintf(": %d problem(s):", tt.problems); !strings.Contains(out, count) {
				t.Errorf("output does not say %s:\n%s", count, out)
			}
			if strings.Contains(out, secretValue) {
				t.Errorf("output shows a secret's value:\n%s", out)
			}
		})
	}
}
