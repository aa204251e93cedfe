package dattormm

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/connectortest"
	fx "github.com/custos-msp/custos/fixtures/dattormm"
	"github.com/custos-msp/custos/fixtures/fakehttp"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/vocab"
)

func TestSites_OrganizationsWithTypes(t *testing.T) {
	e := newDemoEnv(t, nil)
	sink, next := e.mustPull(t, "sites", "")
	if next != "" {
		t.Errorf("next = %q, want empty after a complete pull", next)
	}
	got := map[string]record.Organization{}
	for _, r := range sink.Records() {
		o := *r.(*record.Organization)
		var raw struct {
			UID string `json:"uid"`
		}
		if err := json.Unmarshal(o.Raw, &raw); err != nil || raw.UID == "" {
			t.Errorf("%s: Raw = %s, want the site's JSON", o.Name, o.Raw)
		}
		o.Raw = nil
		got[o.Name] = o
	}
	want := map[string]record.Organization{
		"Contoso Ltd":            {Source: "dattormm", SourceID: "611204", Name: "Contoso Ltd", Type: "site"},
		"Fabrikam, Inc.":         {Source: "dattormm", SourceID: "611205", Name: "Fabrikam, Inc.", Type: "site"},
		"Northwind Traders - HQ": {Source: "dattormm", SourceID: "611207", Name: "Northwind Traders - HQ", Type: "site"},
		"Deleted Devices":        {Source: "dattormm", SourceID: "611199", Name: "Deleted Devices", Type: "on-demand"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("organizations = %+v, want %+v", got, want)
	}
}

func TestSites_PagesToTheLastPageAndResumes(t *testing.T) {
	e := newDemoEnv(t, func(c *config.DattoRMM) { c.PageSize = 3 })
	sink, _ := e.mustPull(t, "sites", "")
	var cursors []connectors.Cursor
	for _, p := range sink.Pages {
		cursors = append(cursors, p.Next)
	}
	if want := []connectors.Cursor{`{"page":1}`, ""}; !reflect.DeepEqual(cursors, want) {
		t.Errorf("cursors = %q, want %q", cursors, want)
	}
	if n := len(sink.Records()); n != 4 {
		t.Errorf("%d sites, want 4 (the last page's included)", n)
	}
	if n := e.srv.Requests(fx.SitesPath); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
	resumed, _ := e.mustPull(t, "sites", `{"page":1}`)
	if got, want := resumed.IDs(), sink.IDs()[3:]; !reflect.DeepEqual(got, want) {
		t.Errorf("resumed pull = %v, want %v", got, want)
	}
	restarted, _ := e.mustPull(t, "sites", "garbage")
	if len(restarted.Records()) != 4 || len(restarted.Warns) != 1 {
		t.Errorf("unreadable cursor: %d sites, warnings %v; want all 4 and one warning", len(restarted.Records()), restarted.Warns)
	}
}

func TestUsers_Accounts(t *testing.T) {
	e := newDemoEnv(t, nil)
	sink, _ := e.mustPull(t, "users", "")
	var got []record.UserAccount
	for _, r := range sink.Records() {
		u := *r.(*record.UserAccount)
		if !strings.Contains(string(u.Raw), `"username":"`+u.SourceID+`"`) {
			t.Errorf("%s: Raw = %s, want the user's JSON", u.SourceID, u.Raw)
		}
		u.Raw = nil
		got = append(got, u)
	}
	want := []record.UserAccount{
		{Source: "dattormm", SourceID: "asmith", Name: "Alice Smith", Email: "alice.smith@custos-demo.example"},
		{Source: "dattormm", SourceID: "bjones", Name: "Bob Jones", Email: "bob.jones@custos-demo.example"},
		{Source: "dattormm", SourceID: "cdavis", Name: "Carol Davis", Email: "carol.davis@custos-demo.example", Disabled: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("users = %+v, want %+v", got, want)
	}
}

func endpoints(s *connectortest.Sink) map[string]*record.Endpoint {
	out := map[string]*record.Endpoint{}
	for _, r := range s.Records() {
		ep := r.(*record.Endpoint)
		out[ep.Hostname] = ep
	}
	return out
}

func TestDevices_EndpointsWithSerials(t *testing.T) {
	e := newDemoEnv(t, nil)
	sink, _ := e.mustPull(t, "devices", "")
	eps := endpoints(sink)
	if len(eps) != 6 {
		t.Fatalf("%d endpoints, want 6", len(eps))
	}
	con := eps["CON-PC-001"]
	wantSeen := time.UnixMilli(e.ds.Device("CON-PC-001").Int("lastSeen")).UTC()
	raw := con.Raw
	got := *con
	got.Raw = nil
	want := record.Endpoint{
		Source: "dattormm", SourceID: "2284101", CustomerRef: "611204", Hostname: "CON-PC-001", Domain: "contoso.local",
		Serial: "5CG1234XYZ", OS: "Microsoft Windows 11 Pro 23H2 10.0.22631 Build 22631", TypeName: "Desktop", LastSeenAt: &wantSeen,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CON-PC-001 = %+v, want %+v", got, want)
	}
	if age := e.now.Sub(wantSeen); age < 119*time.Minute || age > 121*time.Minute {
		t.Errorf("CON-PC-001 last seen %v ago, want 2h", age)
	}
	if strings.Contains(string(raw), "udf") || strings.Contains(string(raw), "BitLocker") {
		t.Errorf("Raw keeps the UDFs: %s", raw)
	}
	if !strings.Contains(string(raw), `"uid":"7c1e9a40-2b6d-4f3e-8a15-c0d2e4f60101"`) {
		t.Errorf("Raw = %s, want the device's JSON", raw)
	}
	for _, host := range []string{"CON-PC-002", "OLD-PC-099"} { // DateTime.MinValue and 0
		if eps[host].LastSeenAt != nil {
			t.Errorf("%s LastSeenAt = %v, want nil (never)", host, eps[host].LastSeenAt)
		}
		if eps[host].Serial != "" {
			t.Errorf("%s Serial = %q, want empty", host, eps[host].Serial)
		}
	}
	// CON-PC-002 has no audit (404), OLD-PC-099's has no serial number.
	if len(sink.Warns) != 2 {
		t.Fatalf("warnings = %v, want 2", sink.Warns)
	}
	connectortest.MustContain(t, sink.Warns[0].Error()+sink.Warns[1].Error(), "CON-PC-002", "404", "OLD-PC-099", "no bios.serialNumber")
	if n := e.srv.Requests(fx.AuditPrefix + "7c1e9a40-2b6d-4f3e-8a15-c0d2e4f60101"); n != 1 {
		t.Errorf("%d audit requests for CON-PC-001, want 1", n)
	}
	if strings.Contains(e.logs.String(), "BitLocker") {
		t.Error("logs show a UDF value")
	}
}

func TestDevices_AuditOffMakesNoAuditRequest(t *testing.T) {
	e := newDemoEnv(t, func(c *config.DattoRMM) { c.DeviceAudit = false })
	sink, _ := e.mustPull(t, "devices", "")
	for _, ep := range endpoints(sink) {
		if ep.Serial != "" {
			t.Errorf("%s Serial = %q, want empty with device_audit off", ep.Hostname, ep.Serial)
		}
	}
	if len(sink.Warns) != 0 {
		t.Errorf("warnings = %v, want none", sink.Warns)
	}
	if n := e.srv.Requests(fx.AuditPrefix + "7c1e9a40-2b6d-4f3e-8a15-c0d2e4f60101"); n != 0 {
		t.Errorf("%d audit requests, want none", n)
	}
}

func TestDevices_FailedAudit(t *testing.T) {
	tests := []struct {
		status      int
		wantOutcome vocab.Outcome // "" : the pull goes on with a warning
	}{
		{500, ""},
		{404, ""},
		{403, vocab.OutcomeAccessDenied},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			e := newDemoEnv(t, nil)
			uid := e.ds.Device("FAB-SRV01").String("uid")
			e.srv.Inject(fakehttp.Fault{Path: fx.AuditPrefix + uid, Status: tt.status})
			sink, _, err := e.pull(t, "devices", "", nil)
			if tt.wantOutcome != "" {
				if got := connectors.Classify(err); got != tt.wantOutcome {
					t.Fatalf("Classify(%v) = %q, want %q", err, got, tt.wantOutcome)
				}
				connectortest.MustContain(t, err.Error(), "dattormm", "devices page 0", "FAB-SRV01", "403")
				return
			}
			if err != nil {
				t.Fatalf("Pull: %v", err)
			}
			fab := endpoints(sink)["FAB-SRV01"]
			if fab == nil || fab.Serial != "" {
				t.Fatalf("FAB-SRV01 = %+v, want it emitted without a serial", fab)
			}
			found := false
			for _, w := range sink.Warns {
				found = found || strings.Contains(w.Error(), "FAB-SRV01")
			}
			if !found {
				t.Errorf("warnings = %v, want one naming FAB-SRV01", sink.Warns)
			}
		})
	}
}
