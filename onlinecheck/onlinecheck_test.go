package onlinecheck_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/registry"
	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/fixtures/entra"
	"github.com/custos-msp/custos/fixtures/graph"
	o365fake "github.com/custos-msp/custos/fixtures/o365audit"
	"github.com/custos-msp/custos/onlinecheck"
	"github.com/custos-msp/custos/secret"
)

// The tenants of the scenario: one healthy, and one for each problem a customer
// tenant can have.
const (
	partner  = "5b7c2e10-8f3d-4a61-9c2e-0d1f2a3b4c5d"
	healthy  = "0b8d1c22-7e45-4f7a-8c3d-9a0b1c2d3e4f"
	revoked  = "1c9e2d33-8f56-4a8b-9d4e-0b1c2d3e4f50"
	noAudit  = "2daf3e44-9067-4b9c-8e5f-1c2d3e4f5061"
	noP1     = "3eb04f55-a178-4cad-9f60-2d3e4f506172"
	noPerm   = "4fc15066-b289-4dbe-8a71-3e4f50617283"
	clientID = "7a2f0c11-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
	// appSecret is the fake token service's secret for the app; no output may show it.
	appSecret = "Gx8Q~online.Check-Secret_0123456789abcd"
)

var names = map[string]string{
	healthy: "Healthy Co", revoked: "Revoked Ltd", noAudit: "No Audit Inc", noP1: "No P1 GmbH", noPerm: "No Permission BV",
}

// scenario builds the m365 and o365audit connectors, as the daemon does, against a
// fake Entra, Graph and Management Activity API that answer for each tenant as
// Microsoft does for its problem.
func scenario(t *testing.T) []connectors.Connector {
	t.Helper()
	tokens := entra.NewServer()
	t.Cleanup(tokens.Close)
	tokens.AddApp(partner, clientID, appSecret)
	for id := range names {
		tokens.AddApp(id, clientID, appSecret)
	}
	tokens.RevokeConsent(revoked)
	g := graph.NewServer(&graph.Dataset{PartnerTenantID: partner, Tenants: map[string]*graph.Tenant{
		healthy: {}, revoked: {}, noAudit: {}, noP1: {NoP1: true}, noPerm: {MissingPermission: "AuditLog.Read.All"},
	}}, tokens)
	t.Cleanup(g.Close)
	ds := &o365fake.Dataset{PartnerTenantID: partner}
	for id, name := range names {
		ds.Tenants = append(ds.Tenants, &o365fake.Tenant{ID: id, Name: name, AuditingDisabled: id == noAudit})
	}
	audit := o365fake.NewServer(ds, o365fake.Options{Verify: func(r *http.Request, tenant string) error {
		return tokens.Verify(r, tenant, "https://manage.office.com")
	}})
	t.Cleanup(audit.Close)

	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tokens.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CUSTOS_TEST_ONLINE_SECRET", appSecret)
	cfg := config.Default().Connectors
	m := &cfg.M365
	m.Enabled, m.PartnerTenantID, m.ClientID = true, partner, clientID
	m.ClientSecret = secret.Ref{Env: "CUSTOS_TEST_ONLINE_SECRET"}
	m.AuthorityHost, m.CAFile, m.GraphURL = tokens.AuthorityHost(), ca, g.URL()
	m.Tenants = names
	m.MaxRetries, m.MinRetryWait = 0, duration.Duration(10*time.Millisecond)
	cfg.O365Audit.Enabled, cfg.O365Audit.BaseURL = true, audit.URL()
	conns, err := registry.Build(cfg, connectors.Deps{Logger: zerolog.Nop(), Redactor: secret.NewRedactor()})
	if err != nil {
		t.Fatal(err)
	}
	return conns
}

// gridCase is the status and fix a stream's cell must show for some tenants.
type gridCase struct {
	connector, stream string
	tenants           []string
	want              want
}

type want struct {
	status onlinecheck.Status
	// fix is a part of the cell's fix.
	fix string
}

// TestRun_NamesEachTenantsProblemWithItsFix checks one tenant that revoked consent,
// one with auditing off, one without Entra ID P1, one whose consent lacks a
// permission and one healthy: every stream is tried for every tenant, and each cell
// says what is wrong and how to fix it.
func TestRun_NamesEachTenantsProblemWithItsFix(t *testing.T) {
	report := onlinecheck.Run(context.Background(), scenario(t), onlinecheck.Options{})
	consentURL := "/" + revoked + "/adminconsent?client_id=" + clientID
	audited := []string{"azureactivedirectory", "exchange", "sharepoint", "general"}

	tests := []gridCase{
		{"m365", "signins", []string{healthy, noAudit}, want{onlinecheck.OK, ""}},
		{"m365", "signins", []string{noP1}, want{onlinecheck.LicenceMissing, "Microsoft Entra ID P1 or P2"}},
		{"m365", "signins", []string{revoked}, want{onlinecheck.ConsentMissing, consentURL}},
		{"m365", "signins", []string{noPerm}, want{onlinecheck.MissingPermission, "Graph application permission AuditLog.Read.All"}},
		{"m365", "directoryaudits", []string{healthy, noAudit, noP1}, want{onlinecheck.OK, ""}},
		{"m365", "directoryaudits", []string{revoked}, want{onlinecheck.ConsentMissing, consentURL}},
		{"m365", "directoryaudits", []string{noPerm}, want{onlinecheck.MissingPermission, "AuditLog.Read.All"}},
	}
	for _, stream := range audited {
		tests = append(tests,
			gridCase{"o365audit", stream, []string{healthy, noP1, noPerm}, want{onlinecheck.OK, ""}},
			gridCase{"o365audit", stream, []string{noAudit}, want{onlinecheck.AuditingOff, "Set-AdminAuditLogConfig -UnifiedAuditLogIngestionEnabled $true"}},
			gridCase{"o365audit", stream, []string{revoked}, want{onlinecheck.ConsentMissing, consentURL}},
		)
	}
	for _, tc := range tests {
		for _, tenant := range tc.tenants {
			t.Run(tc.connector+"/"+tc.stream+"/"+names[tenant], func(t *testing.T) {
				c, ok := find(report, tc.connector, tc.stream, tenant)
				if !ok {
					t.Fatalf("no cell for %s %s %s in %+v", tc.connector, tc.stream, tenant, report.Cells)
				}
				if c.ScopeName != names[tenant] {
					t.Errorf("scope named %q, want the customer's name %q", c.ScopeName, names[tenant])
				}
				if c.Status != tc.want.status {
					t.Errorf("status = %s, want %s (error %s)", c.Status, tc.want.status, c.Error)
				}
				if tc.want.status == onlinecheck.OK && (c.Fix != "" || c.Error != "") {
					t.Errorf("an ok cell has fix %q and error %q", c.Fix, c.Error)
				}
				if !strings.Contains(c.Fix, tc.want.fix) {
					t.Errorf("fix = %q, want it to contain %q", c.Fix, tc.want.fix)
				}
			})
		}
	}
	for _, stream := range []string{"relationships", "customers", "tenants"} {
		if c, ok := find(report, "", stream, connectors.Account.ID); !ok || c.Status != onlinecheck.OK {
			t.Errorf("the partner-wide stream %s: %+v (found %v), want ok", stream, c, ok)
		}
	}
	// Every tenant stream for every tenant, and the three partner-wide streams.
	if want := (2+len(audited))*len(names) + 3; len(report.Cells) != want {
		t.Errorf("%d cells, want %d", len(report.Cells), want)
	}
	if report.OK() {
		t.Error("the report is ok with four tenants failing")
	}
	var text bytes.Buffer
	if err := onlinecheck.WriteText(&text, report); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{appSecret, "Bearer "} {
		if strings.Contains(text.String(), s) || strings.Contains(strings.Join(errorsOf(report), "\n"), s) {
			t.Errorf("the report shows %q", s)
		}
	}
}

// TestWriteText_GridAndOneFixPerProblem renders the scenario: one row per tenant by
// name, one column per stream, each status in its cell, and each tenant's problem
// once with its fix and the streams it stops.
func TestWriteText_GridAndOneFixPerProblem(t *testing.T) {
	report := onlinecheck.Run(context.Background(), scenario(t), onlinecheck.Options{})
	var b bytes.Buffer
	if err := onlinecheck.WriteText(&b, report); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	tests := []struct {
		name string
		line string // a line that must contain every part
		want []string
	}{
		{"m365 header", "  SCOPE", []string{"relationships", "customers", "signins", "directoryaudits"}},
		{"healthy row", "  Healthy Co (0b8d1c22…)", []string{"ok"}},
		{"licence row", "  No P1 GmbH (3eb04f55…)", []string{"licence missing", "ok"}},
		{"revoked row", "  Revoked Ltd (1c9e2d33…)", []string{"consent missing"}},
		{"permission row", "  No Permission BV (4fc15066…)", []string{"missing permission"}},
		{"auditing row", "  No Audit Inc (2daf3e44…)", []string{"auditing off"}},
		{"consent fix", "Revoked Ltd (1c9e2d33…): consent missing", []string{"m365 signins, directoryaudits", "o365audit azureactivedirectory, exchange, sharepoint, general", "/adminconsent?client_id=" + clientID}},
		{"auditing fix", "No Audit Inc (2daf3e44…): auditing off", []string{"o365audit azureactivedirectory, exchange, sharepoint, general", "unified audit logging"}},
		{"licence fix", "No P1 GmbH (3eb04f55…): licence missing", []string{"m365 signins", "Entra ID P1 or P2"}},
		{"permission fix", "No Permission BV (4fc15066…): missing permission", []string{"m365 signins, directoryaudits", "AuditLog.Read.All"}},
		{"count", "checks ok", []string{"20 of 33 checks ok, 13 not ok"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var found []string
			for _, l := range strings.Split(out, "\n") {
				if strings.Contains(l, tc.line) {
					found = append(found, l)
				}
			}
			if len(found) == 0 {
				t.Fatalf("no line with %q:\n%s", tc.line, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(strings.Join(found, "\n"), w) {
					t.Errorf("lines with %q lack %q:\n%s", tc.line, w, strings.Join(found, "\n"))
				}
			}
		})
	}
}

// find returns the cell of a stream for a scope; connector "" matches any.
func find(r onlinecheck.Report, connector, stream, scope string) (onlinecheck.Cell, bool) {
	for _, c := range r.Cells {
		if (connector == "" || c.Connector == connector) && c.Stream == stream && c.ScopeID == scope {
			return c, true
		}
	}
	return onlinecheck.Cell{}, false
}

func errorsOf(r onlinecheck.Report) []string {
	var out []string
	for _, c := range r.Cells {
		out = append(out, c.Error)
	}
	return out
}
