package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/web/auth"
)

func TestToken_CreateAuthenticateListRevoke(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "custos.toml")
	if err := os.WriteFile(config, []byte("[store]\ndriver = \"sqlite\"\npath = \"custos.db\"\n[web]\npublic_url = \"https://custos.example.com\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cli := func(args ...string) []string { return append([]string{"--config", config, "token"}, args...) }
	if _, err := run(t, cli("create", "--name", "psa-sync", "--role", "owner")...); err == nil || !strings.Contains(err.Error(), "--role") {
		t.Errorf("an unknown role: %v", err)
	}
	out := mustRun(t, cli("create", "--name", "psa-sync", "--role", "viewer", "--expires", "30d")...)
	token := auth.TokenPattern.FindString(out)
	if token == "" || !strings.HasPrefix(out, `token 1 "psa-sync" (viewer) expires `) {
		t.Fatalf("create printed:\n%s", out)
	}

	authenticate := func() (auth.Principal, error) {
		a, err := openApp(context.Background(), config)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		svc, err := a.AuthService(app.AuthOptions{})
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodGet, "/api/v1/findings", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		return svc.Authenticate(r)
	}
	if p, err := authenticate(); err != nil || p.Role != auth.Viewer || p.Name != "psa-sync" {
		t.Errorf("the new token authenticates as %+v, %v", p, err)
	}
	if out := mustRun(t, cli("list")...); !regexp.MustCompile(`(?m)^1\s+psa-sync\s+viewer\s`).MatchString(out) || strings.Contains(out, token) {
		t.Errorf("list:\n%s", out)
	}
	mustRun(t, cli("revoke", "1", "--reason", "rotated")...)
	if _, err := authenticate(); err == nil {
		t.Error("a revoked token still authenticates")
	}
	if out := mustRun(t, cli("list", "--output", "json")...); !strings.Contains(out, `"revoke_reason": "rotated"`) {
		t.Errorf("list --output json:\n%s", out)
	}

	st := openTestStore(t, filepath.Join(dir, "custos.db"))
	defer st.Close()
	entries, err := st.AuditEntries(context.Background(), store.AuditFilter{})
	if err != nil || len(entries) != 2 || entries[0].Action != app.ActionTokenRevoke || entries[1].Action != app.ActionTokenCreate ||
		entries[1].Via != auth.ViaLocal || !strings.HasPrefix(entries[1].Subject, "local:") {
		t.Errorf("audit trail = %+v, %v; want the creation and the revocation by the local user", entries, err)
	}
}
