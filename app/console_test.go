package app_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/web/auth"
)

func TestEndSessionsOf_EndsOnlyThatPersonsSessionsAndRecordsIt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "custos.toml")
	if err := os.WriteFile(path, []byte("[store]\ndriver = \"sqlite\"\npath = \"custos.db\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := app.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(t.Context(), cfg, app.Options{Version: "test", LogOutput: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	now := a.Now()
	for i, subject := range []string{"oid-dana", "oid-lee", "oid-dana"} {
		s := store.ConsoleSession{ID: string(rune('a' + i)), Subject: subject, Name: subject, Role: "operator", Via: auth.ViaSession,
			CreatedAt: now, ExpiresAt: now.Add(time.Hour), LastSeenAt: now}
		if err := a.Store.CreateSession(t.Context(), &s); err != nil {
			t.Fatal(err)
		}
	}
	admin := auth.Principal{Subject: "oid-admin", Name: "admin@msp.example", Role: auth.Admin, Via: auth.ViaSession}
	if _, err := a.EndSessionsOf(t.Context(), admin, "oid-dana", ""); err == nil {
		t.Error("sessions were ended without a reason")
	}
	n, err := a.EndSessionsOf(t.Context(), admin, "oid-dana", "left the company")
	if err != nil || n != 2 {
		t.Fatalf("EndSessionsOf = %d, %v; want Dana's 2 sessions", n, err)
	}
	left, _ := a.Sessions(t.Context())
	if len(left) != 1 || left[0].Subject != "oid-lee" {
		t.Errorf("sessions left: %+v; want Lee's", left)
	}
	entries, _ := a.AuditTrail(t.Context(), store.AuditFilter{})
	if len(entries) != 1 || entries[0].Action != app.ActionSessionEnd || strings.Contains(entries[0].Target, "oid-dana") ||
		entries[0].Detail != "2 of oid-dana ended: left the company" || entries[0].Name != "admin@msp.example" {
		t.Errorf("audit trail = %+v", entries)
	}
}
