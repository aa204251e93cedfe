package screenconnect

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	fx "github.com/custos-msp/custos/fixtures/screenconnect"
	"github.com/custos-msp/custos/record"
)

func TestSessions_RecordsOfTheDemo(t *testing.T) {
	e := newEnv(t, options{})
	sink, next := mustPull(t, e.conn, "sessions", "")
	if next != "" {
		t.Errorf("next = %q, want empty after a complete snapshot", next)
	}
	endpoints := map[string]*record.Endpoint{}
	agents := map[string]*record.Agent{}
	var orgs []string
	for _, r := range sink.Records() {
		switch v := r.(type) {
		case *record.Endpoint:
			endpoints[v.Hostname] = v
		case *record.Agent:
			agents[v.Hostname] = v
		case *record.Organization:
			if v.Name != v.SourceID {
				t.Errorf("organization %q has SourceID %q", v.Name, v.SourceID)
			}
			orgs = append(orgs, v.Name)
		}
	}
	if want := []string{"Contoso", "Fabrikam, Inc.", "Northwind Traders"}; !reflect.DeepEqual(orgs, want) {
		t.Errorf("organizations = %q, want %q", orgs, want)
	}
	// The Meeting is not read by default.
	hosts := slices.Sorted(func(yield func(string) bool) {
		for h := range endpoints {
			if !yield(h) {
				return
			}
		}
	})
	if want := []string{"CON-PC-001", "CON-PC-002", "CON-PC-003", "FAB-SRV01", "LAB-PC-07", "NW-SRV01"}; !reflect.DeepEqual(hosts, want) {
		t.Fatalf("endpoints = %q, want %q", hosts, want)
	}

	s := e.ds.Session("CON-PC-001")
	ep := endpoints["CON-PC-001"]
	checkIn := e.ds.ConnectionsOf(s.ID)[1].Disconnected // the guest's, an hour ago
	want := record.Endpoint{Source: "screenconnect", SourceID: s.ID, CustomerRef: "Contoso", Hostname: "CON-PC-001",
		Domain: "contoso.local", Serial: "5CG1234XYZ", OS: "Microsoft Windows 11 Pro", TypeName: "Support", LastSeenAt: ep.LastSeenAt}
	got := *ep
	got.Raw = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CON-PC-001 endpoint = %+v, want %+v", got, want)
	}
	near(t, "CON-PC-001 LastSeenAt", ep.LastSeenAt, *checkIn)

	lingering := agents["CON-PC-001"]
	if lingering.Type != record.AgentSupport || lingering.Ended || lingering.UninstalledAt != nil || lingering.DeviceRef != s.ID {
		t.Errorf("CON-PC-001 agent = %+v, want a support agent, not ended, not uninstalled", lingering)
	}
	near(t, "CON-PC-001 InstalledAt", &lingering.InstalledAt, s.Created)
	near(t, "CON-PC-001 SessionEndedAt", lingering.SessionEndedAt, e.now.Add(-72*time.Hour))
	near(t, "CON-PC-001 LastCheckInAt", lingering.LastCheckInAt, e.now.Add(-time.Hour))

	ended := agents["CON-PC-002"]
	if !ended.Ended {
		t.Error("CON-PC-002 agent not ended")
	}
	near(t, "CON-PC-002 LastCheckInAt", ended.LastCheckInAt, e.now.Add(-48*time.Hour+5*time.Minute))

	fab := agents["FAB-SRV01"]
	if fab.Type != record.AgentAccess || fab.CustomerRef != "Fabrikam, Inc." {
		t.Errorf("FAB-SRV01 agent = %+v, want an access agent of Fabrikam, Inc.", fab)
	}
	near(t, "FAB-SRV01 InstalledAt", &fab.InstalledAt, e.now.Add(-240*time.Hour))
	// GuestInfoUpdateTime (10 minutes ago) is later than the guest connection's start.
	near(t, "FAB-SRV01 LastCheckInAt", fab.LastCheckInAt, e.now.Add(-10*time.Minute))
	// The last Host connection that ended was helpdesk-temp's; Bob's is still open.
	near(t, "FAB-SRV01 SessionEndedAt", fab.SessionEndedAt, e.now.Add(-24*time.Hour+20*time.Minute))

	removed := agents["CON-PC-003"]
	near(t, "CON-PC-003 UninstalledAt", removed.UninstalledAt, e.now.Add(-7*24*time.Hour+2*time.Minute))
	if removed.SessionEndedAt != nil {
		t.Errorf("CON-PC-003 SessionEndedAt = %v, want nil (no Host connection)", removed.SessionEndedAt)
	}

	if lab := agents["LAB-PC-07"]; lab.CustomerRef != "" || endpoints["LAB-PC-07"].CustomerRef != "" {
		t.Errorf("LAB-PC-07 CustomerRef = %q, want empty", lab.CustomerRef)
	}
	if len(sink.Warns) != 0 {
		t.Errorf("warnings: %v", sink.Warns)
	}
}

func TestSessions_TypesAndCompanyPropertyFromConfig(t *testing.T) {
	e := newEnv(t, options{
		cfg: func(c *config.ScreenConnect) { c.SessionTypes = []string{"Meeting"}; c.CompanyProperty = 2 },
		ds: func(ds *fx.Dataset) {
			for _, s := range ds.Sessions {
				s.CustomProperties[1] = "Site of " + s.CustomProperties[0]
			}
		},
	})
	sink, _ := mustPull(t, e.conn, "sessions", "")
	var agent *record.Agent
	var orgs []string
	for _, r := range sink.Records() {
		switch v := r.(type) {
		case *record.Agent:
			agent = v
		case *record.Organization:
			orgs = append(orgs, v.SourceID)
		}
	}
	if len(sink.Records()) != 3 || agent == nil || agent.SourceID != e.ds.Sessions[3].ID {
		t.Fatalf("records = %d (agent %+v), want the Meeting's endpoint and agent and one organization", len(sink.Records()), agent)
	}
	if agent.CustomerRef != "Site of Contoso" || !reflect.DeepEqual(orgs, []string{"Site of Contoso"}) {
		t.Errorf("CustomerRef = %q, organizations %q; want CustomProperty2", agent.CustomerRef, orgs)
	}
}

func TestSessions_PagesAndResume(t *testing.T) {
	e := newEnv(t, options{})
	full, _ := mustPull(t, e.conn, "sessions", "")
	var all []string
	for _, r := range full.Records() {
		if _, ok := r.(*record.Endpoint); ok {
			all = append(all, r.RecordKey().SourceID)
		}
	}
	// Resuming after the second session emits the others and the organizations.
	resumed, _ := mustPull(t, e.conn, "sessions", connectors.Cursor(`{"after":"`+all[1]+`"}`))
	var got []string
	orgs := 0
	for _, r := range resumed.Records() {
		switch r.(type) {
		case *record.Endpoint:
			got = append(got, r.RecordKey().SourceID)
		case *record.Organization:
			orgs++
		}
	}
	if !reflect.DeepEqual(got, all[2:]) || orgs != 3 {
		t.Errorf("resumed = %q with %d organizations, want %q and 3", got, orgs, all[2:])
	}
	bad, _ := mustPull(t, e.conn, "sessions", "not json")
	if len(bad.Warns) != 1 || len(bad.Records()) != len(full.Records()) {
		t.Errorf("unreadable cursor: %d warnings, %d records; want 1 and all %d", len(bad.Warns), len(bad.Records()), len(full.Records()))
	}
}
