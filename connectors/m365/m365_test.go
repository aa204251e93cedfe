package m365_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/connectortest"
	"github.com/custos-msp/custos/connectors/m365"
	"github.com/custos-msp/custos/entraauth"
	"github.com/custos-msp/custos/fixtures/fakehttp"
	"github.com/custos-msp/custos/fixtures/graph"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/vocab"
)

func TestRelationships_PlantedCases(t *testing.T) {
	e := newEnv(t)
	e.graph.SetPageSize(2) // three pages of relationships
	sink, next, err := e.pull(t, "relationships", connectors.Account, "")
	if err != nil {
		t.Fatal(err)
	}
	if next != "" || len(sink.Pages) != 3 {
		t.Errorf("pages = %d, final cursor %q; want 3 pages and an empty cursor", len(sink.Pages), next)
	}
	rels := connectortest.ByID[*record.Relationship](sink.Records())
	if len(rels) != 5 {
		t.Fatalf("relationships = %d, want 5", len(rels))
	}
	byName := map[string]*record.Relationship{}
	for _, r := range rels {
		byName[r.DisplayName] = r
	}
	day := 24 * time.Hour
	tests := []struct {
		name, status, firstRole string
		endsIn                  time.Duration
		autoExtend              int
		ended                   bool
	}{
		{"Contoso full admin", "active", "Global Administrator", 430 * day, 0, false},
		{"Contoso helpdesk", "active", "Helpdesk Administrator", 10 * day, 180, false},
		{"Fabrikam helpdesk", "active", "Helpdesk Administrator", 10 * day, 0, false},
		{"Northwind helpdesk", "terminated", "Helpdesk Administrator", 165 * day, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := byName[tc.name]
			if r == nil {
				t.Fatal("missing")
			}
			if r.Status != tc.status || r.AutoExtendDays != tc.autoExtend || r.EndsAt == nil || !r.EndsAt.Equal(e.now.Add(tc.endsIn)) {
				t.Errorf("status %s, auto-extend %d, ends %v; want %s, %d, %v", r.Status, r.AutoExtendDays, r.EndsAt, tc.status, tc.autoExtend, e.now.Add(tc.endsIn))
			}
			if len(r.Roles) == 0 || r.Roles[0].Name != tc.firstRole {
				t.Errorf("roles = %+v, want %s first", r.Roles, tc.firstRole)
			}
			if (r.EndedAt != nil) != tc.ended {
				t.Errorf("ended at %v, want ended %v", r.EndedAt, tc.ended)
			}
			if len(r.Assignments) != 1 || r.Assignments[0].GroupID != graph.HelpdeskGroup || r.Assignments[0].Status != "active" {
				t.Errorf("assignments = %+v", r.Assignments)
			}
		})
	}
}

func TestTenants_IncludeTerminatedRelationships(t *testing.T) {
	e := newEnv(t)
	scopes, err := e.conn.Tenants(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range scopes {
		got[s.ID] = s.Name
	}
	want := map[string]string{graph.ContosoTenant: "Contoso Ltd", graph.FabrikamTenant: "Fabrikam Inc",
		graph.NorthwindTenant: "Northwind Traders", graph.WoodgroveTenant: "Woodgrove Bank"}
	for id, name := range want {
		if got[id] != name {
			t.Errorf("tenant %s = %q, want %q", id, got[id], name)
		}
	}
	if len(got) != len(want) {
		t.Errorf("tenants = %v", got)
	}
}

func TestSignIns_PartnerOnlyPagedThrottledAndResumed(t *testing.T) {
	e := newEnv(t)
	e.graph.SetPageSize(1)
	e.graph.Faults().Inject(fakehttp.Fault{Path: "/beta/auditLogs/signIns", Status: http.StatusTooManyRequests, RetryAfter: "1", Times: 1})
	scope := connectors.Scope{ID: graph.ContosoTenant, Name: "Contoso Ltd"}
	start := time.Now()
	sink, next, err := e.pull(t, "signins", scope, "")
	if err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Errorf("the 429's Retry-After of 1 s was not waited (%v)", waited)
	}
	if n := e.graph.Faults().Requests("/beta/auditLogs/signIns"); n != 4 {
		t.Errorf("requests = %d, want 4 (one throttled, three pages)", n)
	}
	evs := connectortest.ByID[*record.AccessEvent](sink.Records())
	if len(evs) != 2 {
		t.Fatalf("events = %d, want Alice's 2 partner sign-ins (not the customer admin's)", len(evs))
	}
	for _, ev := range evs {
		if ev.Kind != record.KindM365SignIn || ev.ActorRef != graph.AliceUPN || ev.CustomerRef != graph.ContosoTenant {
			t.Errorf("event %+v", ev)
		}
	}
	if want := connectors.Cursor(e.now.UTC().Format(time.RFC3339)); next != want || sink.LastCursor() != want {
		t.Errorf("cursor = %q (last page %q), want %q", next, sink.LastCursor(), want)
	}
	for _, p := range sink.Pages[:len(sink.Pages)-1] {
		if p.Next != "" {
			t.Errorf("a page before the last carries cursor %q; the window is newest first", p.Next)
		}
	}

	again, _, err := e.pull(t, "signins", scope, next)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(again.Records()); n != 0 {
		t.Errorf("re-run from the cursor brought %d records, want 0 (nothing new within the overlap)", n)
	}
}

func TestSignIns_FailingPageLeavesCursor(t *testing.T) {
	e := newEnv(t)
	e.graph.SetPageSize(1)
	e.graph.Faults().Inject(fakehttp.Fault{Path: "/beta/auditLogs/signIns", Match: func(r *http.Request) bool {
		return r.URL.Query().Get("$skiptoken") != ""
	}, Status: http.StatusBadGateway})
	from := connectors.Cursor(e.now.Add(-5 * 24 * time.Hour).Format(time.RFC3339))
	sink, next, err := e.pull(t, "signins", connectors.Scope{ID: graph.ContosoTenant}, from)
	if err == nil || !strings.Contains(err.Error(), "page 2") {
		t.Fatalf("err = %v, want a failure on page 2", err)
	}
	if next != from || sink.LastCursor() != from {
		t.Errorf("cursor = %q (sink %q), want it left at %q", next, sink.LastCursor(), from)
	}
}

func TestSignIns_TenantStates(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name    string
		tenant  string
		outcome vocab.Outcome
		is      error
		events  int
	}{
		{"no Entra ID P1", graph.FabrikamTenant, vocab.OutcomeNotLicensed, nil, 0},
		{"consent revoked", graph.WoodgroveTenant, vocab.OutcomeAccessDenied, entraauth.ErrConsent, 0},
		{"sign-in after termination", graph.NorthwindTenant, vocab.OutcomeOK, nil, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sink, _, err := e.pull(t, "signins", connectors.Scope{ID: tc.tenant}, "")
			if got := connectors.Classify(err); got != tc.outcome {
				t.Errorf("outcome = %s (%v), want %s", got, err, tc.outcome)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want %v", err, tc.is)
			}
			if n := len(sink.Records()); n != tc.events {
				t.Errorf("events = %d, want %d", n, tc.events)
			}
			if err != nil && strings.Contains(err.Error()+e.logs.String(), demoSecret) {
				t.Error("the client secret leaked")
			}
		})
	}
}

func TestDirectoryAudits_PartnerActionsAndRemovals(t *testing.T) {
	e := newEnv(t)
	sink, _, err := e.pull(t, "directoryaudits", connectors.Scope{ID: graph.ContosoTenant}, "")
	if err != nil {
		t.Fatal(err)
	}
	evs := connectortest.ByID[*record.AccessEvent](sink.Records())
	ev := evs["Directory_d1a0001"]
	if len(evs) != 1 || ev == nil {
		t.Fatalf("events = %v, want only Alice's deletion", sink.IDs())
	}
	if ev.Kind != record.KindM365Admin || !ev.Removal || ev.ActorRef != graph.AliceUPN || !strings.Contains(ev.Detail, "j.doe@contoso.example") {
		t.Errorf("event = %+v", ev)
	}
}

func TestReports_ReceiptsWithoutBodies(t *testing.T) {
	e := newEnv(t)
	sink, _, err := e.pull(t, "rmmreports", connectors.Scope{ID: graph.DemoMailbox}, "")
	if err != nil {
		t.Fatal(err)
	}
	recs := connectortest.ByID[*record.ReportReceipt](sink.Records())
	if len(recs) != 2 {
		t.Fatalf("receipts = %v, want Contoso's and Fabrikam's", sink.IDs())
	}
	want := e.now.AddDate(0, -1, 0).Format("2006-01")
	for _, r := range recs {
		if r.Month != want || len(r.Attachments) != 1 || len(r.Attachments[0].SHA256) != 64 || r.Attachments[0].Size == 0 {
			t.Errorf("receipt %+v, want month %s and one hashed attachment", r, want)
		}
		if r.CustomerRef != "Contoso Ltd" && r.CustomerRef != "Fabrikam Inc" {
			t.Errorf("company = %q", r.CustomerRef)
		}
	}
}

func TestStreams_DeclareNeeds(t *testing.T) {
	e := newEnv(t)
	for _, s := range e.conn.Streams() {
		if len(s.Needs()) == 0 {
			t.Errorf("stream %s declares no permission", s.Name())
		}
	}
	if m365.RoleNames[m365.GlobalAdministrator] != "Global Administrator" {
		t.Error("Global Administrator's template id has no name")
	}
}
