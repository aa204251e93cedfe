package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custos-msp/custos/demo"
	graphfake "github.com/custos-msp/custos/fixtures/graph"
)

// onlineDemo starts the demo's fake vendors and returns its configuration, with the
// Microsoft 365 connectors (whose demo tenants fail on purpose) turned off when
// healthyOnly is set.
func onlineDemo(t *testing.T, healthyOnly bool) (*demo.Environment, string) {
	t.Helper()
	env, err := demo.Start(t.TempDir(), clock())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	if healthyOnly {
		b, err := os.ReadFile(env.ConfigPath)
		if err != nil {
			t.Fatal(err)
		}
		doc := strings.NewReplacer("[connectors.m365]\nenabled = true", "[connectors.m365]\nenabled = false",
			"[connectors.o365audit]\nenabled = true", "[connectors.o365audit]\nenabled = false").Replace(string(b))
		if doc == string(b) {
			t.Fatal("the demo configuration no longer has the m365 and o365audit sections this test turns off")
		}
		if err := os.WriteFile(env.ConfigPath, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return env, env.ConfigPath
}

// TestCheckConfigOnline_ExitCode: 0 when every stream can read every scope, 1 when
// a tenant fails (the demo's revoked consent, missing licence and auditing off) or a
// vendor does not answer, and the output names what failed.
func TestCheckConfigOnline_ExitCode(t *testing.T) {
	tests := []struct {
		name        string
		healthyOnly bool
		itglueDown  bool
		// itglueKey, when set, replaces the IT Glue API key the demo wrote.
		itglueKey string
		code      int
		want      []string
	}{
		{"every scope readable", true, false, "", 0, []string{"itglue\n", "Contoso Ltd (", "0 not ok"}},
		{"demo tenants failing", false, false, "", 1, []string{"Woodgrove Bank (3eb04f55…): consent missing", "Fabrikam Inc (1c9e2d33…): licence missing", "Fabrikam Inc (1c9e2d33…): auditing off"}},
		{"IT Glue not answering", true, true, "", 1, []string{"whole account: unreachable (itglue organizations)", "check the connector's base URL"}},
		{"IT Glue key refused", true, false, "ITG.wrong0000000000000000000000000000", 1, []string{"whole account: missing permission (itglue organizations)", "refused the credentials: check the key (or user and secret) under [connectors.itglue]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env, config := onlineDemo(t, tc.healthyOnly)
			if tc.itglueDown {
				env.ITGlue().Close()
			}
			if tc.itglueKey != "" {
				if err := os.WriteFile(filepath.Join(filepath.Dir(config), "itglue.key"), []byte(tc.itglueKey+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			out, err := run(t, "--config", config, "check-config", "--online")
			code := 0
			var exit exitError
			if errors.As(err, &exit) {
				code = exit.code
			} else if err != nil {
				t.Fatalf("check-config --online: %v\n%s", err, out)
			}
			if code != tc.code {
				t.Errorf("exit code %d, want %d:\n%s", code, tc.code, out)
			}
			if strings.Contains(out, `{"errors"`) || (tc.itglueKey != "" && strings.Contains(out, tc.itglueKey)) {
				t.Errorf("the output shows a raw error body or the key:\n%s", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestCheckConfigOnline_JSON: --json prints one document on standard output, ok
// and a cell per stream and scope with the fields scripts read; the status line
// goes to standard error.
func TestCheckConfigOnline_JSON(t *testing.T) {
	_, config := onlineDemo(t, false)
	stdout, stderr, err := runSplit(t, "--config", config, "check-config", "--online", "--json")
	var exit exitError
	if !errors.As(err, &exit) || exit.code != 1 {
		t.Fatalf("err = %v, want exit status 1", err)
	}
	if !strings.Contains(stderr, "valid") {
		t.Errorf("standard error lacks the status line: %q", stderr)
	}
	type cell struct {
		Connector string `json:"connector"`
		Stream    string `json:"stream"`
		ScopeID   string `json:"scope_id"`
		ScopeName string `json:"scope_name"`
		Status    string `json:"status"`
		Fix       string `json:"fix"`
		Error     string `json:"error"`
	}
	var doc struct {
		OK    *bool  `json:"ok"`
		Cells []cell `json:"cells"`
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(stdout)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil || doc.OK == nil {
		t.Fatalf("standard output is not the report (%v):\n%s", err, stdout)
	}
	if *doc.OK {
		t.Error(`"ok" is true with the demo's tenants failing`)
	}
	find := func(connector, stream, scope string) cell {
		for _, c := range doc.Cells {
			if c.Connector == connector && c.Stream == stream && c.ScopeID == scope {
				return c
			}
		}
		t.Fatalf("no cell for %s %s %s", connector, stream, scope)
		return cell{}
	}
	tests := []struct {
		connector, stream, scope string
		name, status, fix        string
	}{
		{"m365", "signins", graphfake.ContosoTenant, "Contoso Ltd", "ok", ""},
		{"m365", "signins", graphfake.WoodgroveTenant, "Woodgrove Bank", "consent_missing", "/" + graphfake.WoodgroveTenant + "/adminconsent?client_id=" + graphfake.DemoClientID},
		{"m365", "signins", graphfake.FabrikamTenant, "Fabrikam Inc", "licence_missing", "Entra ID P1 or P2"},
		{"o365audit", "exchange", graphfake.FabrikamTenant, "Fabrikam Inc", "auditing_off", "unified audit logging"},
		{"itglue", "organizations", "account", "whole account", "ok", ""},
	}
	for _, tc := range tests {
		c := find(tc.connector, tc.stream, tc.scope)
		if c.ScopeName != tc.name || c.Status != tc.status || !strings.Contains(c.Fix, tc.fix) {
			t.Errorf("%s %s %s = %+v, want scope_name %q, status %s and a fix with %q", tc.connector, tc.stream, tc.scope, c, tc.name, tc.status, tc.fix)
		}
		if (tc.status == "ok") != (c.Error == "" && c.Fix == "") {
			t.Errorf("%s %s %s: error %q and fix %q, want both only when not ok", tc.connector, tc.stream, tc.scope, c.Error, c.Fix)
		}
	}
	if strings.Contains(stdout, graphfake.DemoClientSecret) {
		t.Error("the report shows the app's client secret")
	}
}

// TestCheckConfig_JSONNeedsOnline: --json alone is refused.
func TestCheckConfig_JSONNeedsOnline(t *testing.T) {
	_, config := onlineDemo(t, true)
	if out, err := run(t, "--config", config, "check-config", "--json"); err == nil || !strings.Contains(err.Error(), "--json needs --online") {
		t.Errorf("check-config --json: %v\n%s", err, out)
	}
}
