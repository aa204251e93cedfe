package onlinecheck_test

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/registry"
	"github.com/custos-msp/custos/onlinecheck"
	"github.com/custos-msp/custos/secret"
)

// update rewrites the README's permission table from the streams' Needs.
var update = flag.Bool("update", false, "rewrite the permission table in README.md")

// The README's permission table sits between these markers.
const (
	tableBegin = "<!-- permissions:begin (generated from each stream's Needs: go test ./onlinecheck -run TestREADME -update) -->\n"
	tableEnd   = "<!-- permissions:end -->\n"
	readme     = "../README.md"
)

// everyConnector builds every connector with every stream it can have, with
// placeholder credentials (no request is made).
func everyConnector(t *testing.T) []connectors.Connector {
	t.Helper()
	t.Setenv("CUSTOS_DOC_SECRET", "placeholder")
	ref := secret.Ref{Env: "CUSTOS_DOC_SECRET"}
	cfg := config.Default().Connectors
	cfg.ITGlue.Enabled, cfg.ITGlue.APIKey = true, ref
	cfg.ScreenConnect.Enabled, cfg.ScreenConnect.Username, cfg.ScreenConnect.Password = true, ref, ref
	cfg.DattoRMM.Enabled, cfg.DattoRMM.APIKey, cfg.DattoRMM.APISecret = true, ref, ref
	cfg.Autotask.Enabled, cfg.Autotask.Username, cfg.Autotask.Secret, cfg.Autotask.IntegrationCode = true, ref, ref, ref
	m := &cfg.M365
	m.Enabled, m.ClientSecret, m.Mailbox = true, ref, "reports@msp.example"
	m.PartnerTenantID, m.ClientID = "00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002"
	cfg.O365Audit.Enabled = true
	conns, err := registry.Build(cfg, connectors.Deps{Logger: zerolog.Nop(), Redactor: secret.NewRedactor()})
	if err != nil {
		t.Fatal(err)
	}
	if len(conns) != len(registry.Names()) {
		t.Fatalf("built %d connectors, want every one of %v", len(conns), registry.Names())
	}
	return conns
}

// TestREADME_PermissionTableIsNeeds fails when the README's permission table is not
// what the streams' Needs say; -update rewrites it.
func TestREADME_PermissionTableIsNeeds(t *testing.T) {
	table := onlinecheck.PermissionTable(everyConnector(t))
	b, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start, end := strings.Index(doc, tableBegin), strings.Index(doc, tableEnd)
	if start < 0 || end < start {
		t.Fatalf("README.md lacks the markers %q and %q", tableBegin, tableEnd)
	}
	start += len(tableBegin)
	if got := doc[start:end]; got != table {
		if !*update {
			t.Fatalf("README.md's permission table differs from the streams' Needs; run go test ./onlinecheck -run TestREADME -update\nwant:\n%s\ngot:\n%s", table, got)
		}
		if err := os.WriteFile(readme, []byte(doc[:start]+table+doc[end:]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPermissionTable_RowPerNeedWithItsStreams: a need that several streams share is
// one row naming them all, and every stream's every need has a row.
func TestPermissionTable_RowPerNeedWithItsStreams(t *testing.T) {
	conns := everyConnector(t)
	table := onlinecheck.PermissionTable(conns)
	tests := []struct {
		name, row string
	}{
		{"shared by tenant streams", "| `m365` | Graph application permission AuditLog.Read.All (each customer tenant) | signins, directoryaudits |"},
		{"one stream", "| `m365` | Entra ID P1 or P2 in the customer tenant (otherwise coverage is not_licensed) | signins |"},
		{"partner tenant", "| `m365` | Graph application permission DelegatedAdminRelationship.Read.All (partner tenant) | relationships, customers |"},
	}
	for _, tc := range tests {
		if !strings.Contains(table, tc.row+"\n") {
			t.Errorf("%s: the table lacks the row\n%s\n%s", tc.name, tc.row, table)
		}
	}
	for _, c := range conns {
		for _, s := range c.Streams() {
			for _, need := range s.Needs() {
				if !strings.Contains(table, "| `"+c.Name()+"` | "+strings.ReplaceAll(need, "|", `\|`)+" | ") {
					t.Errorf("no row for %s %s's need %q", c.Name(), s.Name(), need)
				}
			}
		}
	}
}
