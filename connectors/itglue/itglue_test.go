package itglue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/connectortest"
	"github.com/custos-msp/custos/duration"
	fx "github.com/custos-msp/custos/fixtures/itglue"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/secret"
	"github.com/custos-msp/custos/vocab"
)

func TestOrganizations_EmitsCustomerOrganizations(t *testing.T) {
	tests := []struct {
		name  string
		types []string
		want  []string
	}{
		{"every organization but the primary", nil,
			[]string{"Contoso Ltd", "Fabrikam Inc", "Northwind Traders", "Tailspin Toys"}},
		{"only customers", []string{"Customer"},
			[]string{"Contoso Ltd", "Fabrikam Inc", "Northwind Traders"}},
		{"type names trimmed and case-insensitive", []string{"  customer ", "VENDOR"},
			[]string{"Contoso Ltd", "Fabrikam Inc", "Northwind Traders", "Tailspin Toys"}},
		{"no organization of the type", []string{"Prospect"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newDemoEnv(t, withConfig(func(c *config.ITGlue) { c.OrganizationTypes = tt.types }))
			sink := &connectortest.Sink{}
			next, err := e.organizations().Pull(context.Background(), connectors.Account, "", sink)
			if err != nil {
				t.Fatalf("Pull: %v", err)
			}
			if next != "" {
				t.Errorf("next cursor = %q, want empty after a complete pull", next)
			}
			if got := names(sink); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("organizations = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOrganizations_MapsAttributes(t *testing.T) {
	e := newDemoEnv(t)
	sink := &connectortest.Sink{}
	if _, err := e.organizations().Pull(context.Background(), connectors.Account, "", sink); err != nil {
		t.Fatalf("Pull: %v", err)
	}
	fixture := e.ds.Organization("Tailspin Toys")
	var got *record.Organization
	var ids []string
	for _, r := range sink.Records() {
		o := r.(*record.Organization)
		ids = append(ids, o.SourceID)
		if o.Name == "Tailspin Toys" {
			got = o
		}
	}
	if !slices.IsSorted(ids) {
		t.Errorf("organizations not sorted by id: %v", ids)
	}
	if got == nil {
		t.Fatal("Tailspin Toys not emitted")
	}
	want := record.Organization{
		Source: "itglue", SourceID: fixture.ID, Name: "Tailspin Toys", ShortName: "tailspin",
		Type: "Vendor", Status: "Active", SourceUpdatedAt: fixture.Time("updated-at"),
	}
	raw := got.Raw
	got.Raw = nil
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("organization = %+v, want %+v", *got, want)
	}
	var res struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &res); err != nil || res.ID != fixture.ID || res.Type != "organizations" {
		t.Errorf("Raw = %s (%v), want the resource's JSON", raw, err)
	}
}

func TestConfigurationsScopes_AreCustomerOrganizations(t *testing.T) {
	e := newDemoEnv(t, withConfig(func(c *config.ITGlue) { c.OrganizationTypes = []string{"Customer"} }))
	scopes, err := e.configurations().Scopes(context.Background())
	if err != nil {
		t.Fatalf("Scopes: %v", err)
	}
	want := []connectors.Scope{
		{ID: e.ds.Organization("Contoso Ltd").ID, Name: "Contoso Ltd"},
		{ID: e.ds.Organization("Fabrikam Inc").ID, Name: "Fabrikam Inc"},
		{ID: e.ds.Organization("Northwind Traders").ID, Name: "Northwind Traders"},
	}
	if !reflect.DeepEqual(scopes, want) {
		t.Errorf("scopes = %+v, want %+v", scopes, want)
	}
}

func TestConfigurations_ContosoNetworkDevicesWithBackups(t *testing.T) {
	e := newDemoEnv(t)
	sink, next, err := e.pull(t, "Contoso Ltd", "")
	if err != nil {
		t.Fatalf("Pull: %v", err)
	}
	if next != "" {
		t.Errorf("next cursor = %q, want empty", next)
	}
	// Firewall (501521) is listed before Switch (501527); the workstation is not a
	// network device.
	if got, want := names(sink), []string{"CON-FW01", "CON-SW01"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("configurations = %q, want %q", got, want)
	}
	fw := configuration(sink, "CON-FW01")
	if len(fw.Backups) != 0 {
		t.Errorf("CON-FW01 backups = %+v, want none", fw.Backups)
	}
	fixture := e.ds.Configuration("CON-FW01")
	installed := fixture.Time("installed-at")
	wantFW := record.Configuration{
		Source: "itglue", SourceID: fixture.ID, CustomerRef: e.ds.Organization("Contoso Ltd").ID,
		Name: "CON-FW01", Hostname: "con-fw01", Serial: "FGT80FTK22007731", TypeName: "Firewall",
		InstalledAt: &installed, SourceCreatedAt: fixture.Time("created-at"), SourceUpdatedAt: fixture.Time("updated-at"),
		Backups: []record.Backup{},
	}
	gotFW := *fw
	gotFW.Raw = nil
	if !reflect.DeepEqual(gotFW, wantFW) {
		t.Errorf("CON-FW01 = %+v, want %+v", gotFW, wantFW)
	}

	sw := configuration(sink, "CON-SW01")
	if sw.InstalledAt != nil {
		t.Errorf("CON-SW01 InstalledAt = %v, want nil (null in IT Glue)", sw.InstalledAt)
	}
	if len(sw.Backups) != 1 {
		t.Fatalf("CON-SW01 backups = %+v, want one", sw.Backups)
	}
	att := e.ds.Attachment("CON-SW01-running-config.txt")
	b := sw.Backups[0]
	if b.SourceID != att.ID || b.FileName != "CON-SW01-running-config.txt" || b.Size != 18432 ||
		b.ContentType != "text/plain" || !b.CreatedAt.Equal(att.Time("created-at")) {
		t.Errorf("CON-SW01 backup = %+v, want id %s, file CON-SW01-running-config.txt, size 18432, created %v",
			b, att.ID, att.Time("created-at"))
	}
	if b.Name != b.FileName {
		t.Errorf("backup Name = %q, want the file name when IT Glue's name is null", b.Name)
	}
	if age := e.now.Sub(b.CreatedAt); age < 5*24*time.Hour || age > 6*24*time.Hour {
		t.Errorf("backup age = %v, want about 5 days", age)
	}
	if b.Raw != nil {
		t.Errorf("backup Raw = %s, want nil: the attachment's payload carries its download URL", b.Raw)
	}
}

func TestConfigurations_ArchivedOnlyWhenIncluded(t *testing.T) {
	tests := []struct {
		includeArchived bool
		want            []string
	}{
		{false, []string{"FAB-FW02", "FAB-RTR01"}},
		{true, []string{"FAB-FW02", "FAB-FW01", "FAB-RTR01"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("include_archived=%v", tt.includeArchived), func(t *testing.T) {
			e := newDemoEnv(t, withConfig(func(c *config.ITGlue) { c.IncludeArchived = tt.includeArchived }))
			sink, _, err := e.pull(t, "Fabrikam Inc", "")
			if err != nil {
				t.Fatalf("Pull: %v", err)
			}
			if got := names(sink); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("configurations = %q, want %q", got, tt.want)
			}
			if c := configuration(sink, "FAB-FW01"); c != nil && !c.Archived {
				t.Error("FAB-FW01 Archived = false, want true")
			}
			rtr := configuration(sink, "FAB-RTR01")
			if len(rtr.Backups) != 1 || e.now.Sub(rtr.Backups[0].CreatedAt) < 200*24*time.Hour {
				t.Errorf("FAB-RTR01 backups = %+v, want one at least 200 days old", rtr.Backups)
			}
		})
	}
}

func TestConfigurations_NorthwindOldAndNewBackups(t *testing.T) {
	e := newDemoEnv(t)
	sink, _, err := e.pull(t, "Northwind Traders", "")
	if err != nil {
		t.Fatalf("Pull: %v", err)
	}
	fw := configuration(sink, "NW-FW01")
	if fw == nil || len(fw.Backups) != 2 {
		t.Fatalf("NW-FW01 = %+v, want two backups", fw)
	}
	if fw.Backups[0].FileName != "NW-FW01-old-config.conf" || fw.Backups[1].FileName != "NW-FW01-new-config.conf" {
		t.Errorf("NW-FW01 backups = %q, %q, want old then new", fw.Backups[0].FileName, fw.Backups[1].FileName)
	}
	if fw.InstalledAt == nil || e.now.Sub(*fw.InstalledAt) < 11*24*time.Hour || e.now.Sub(*fw.InstalledAt) > 13*24*time.Hour {
		t.Errorf("NW-FW01 InstalledAt = %v, want about 12 days ago", fw.InstalledAt)
	}
	if core := configuration(sink, "NW-CORE01"); core == nil || core.TypeName != "Managed Network Device" || len(core.Backups) != 1 {
		t.Errorf("NW-CORE01 = %+v, want a managed network device with one backup", core)
	}
}

func TestConfigurations_NetworkTypesMatchCaseInsensitively(t *testing.T) {
	e := newDemoEnv(t, withConfig(func(c *config.ITGlue) { c.NetworkTypes = []string{" switch", "FIREWALL ", "Nonexistent"} }))
	sink, _, err := e.pull(t, "Contoso Ltd", "")
	if err != nil {
		t.Fatalf("Pull: %v", err)
	}
	if got, want := names(sink), []string{"CON-FW01", "CON-SW01"}; !reflect.DeepEqual(got, want) {
		t.Errorf("configurations = %q, want %q", got, want)
	}
	connectortest.MustContain(t, e.logs.String(), "Nonexistent")
}

func TestConfigurations_MisconfiguredWhenNoNetworkTypeMatches(t *testing.T) {
	e := newDemoEnv(t, withConfig(func(c *config.ITGlue) { c.NetworkTypes = []string{"Firewal", "Core Switch"} }))
	sink, _, err := e.pull(t, "Contoso Ltd", "")
	if err == nil {
		t.Fatal("Pull succeeded, want an error")
	}
	if got := connectors.Classify(err); got != vocab.OutcomeMisconfigured {
		t.Errorf("Classify = %q, want %q", got, vocab.OutcomeMisconfigured)
	}
	connectortest.MustContain(t, err.Error(), "itglue", `"Firewal"`, `"Core Switch"`, `"Firewall"`, `"Workstation"`)
	if len(sink.Pages) != 0 {
		t.Errorf("%d pages delivered, want none", len(sink.Pages))
	}
	if n := e.srv.Requests("/configurations"); n != 0 {
		t.Errorf("%d configuration requests, want none", n)
	}
}

// generated serves a synthetic dataset: 5 organizations of 13 devices (4 firewalls, 3
// routers, 3 switches, 3 managed network devices) with 2 backups each, and reads it
// 2 per page.
func generated(t *testing.T, opts ...envOption) *env {
	t.Helper()
	now := time.Now().UTC()
	opts = append([]envOption{withConfig(func(c *config.ITGlue) { c.PageSize = 2 })}, opts...)
	return newEnv(t, now, fx.Generate(5, 13, 2, now), opts...)
}

const generatedOrg = "Customer 00002"

func TestOrganizations_PagesToTheEnd(t *testing.T) {
	e := generated(t)
	sink := &connectortest.Sink{}
	if _, err := e.organizations().Pull(context.Background(), connectors.Account, "", sink); err != nil {
		t.Fatalf("Pull: %v", err)
	}
	var cursors []connectors.Cursor
	for _, p := range sink.Pages {
		cursors = append(cursors, p.Next)
	}
	if want := []connectors.Cursor{`{"page":2}`, `{"page":3}`, ""}; !reflect.DeepEqual(cursors, want) {
		t.Errorf("cursors = %q, want %q", cursors, want)
	}
	if got := len(sink.Records()); got != len(e.ds.Organizations) {
		t.Errorf("%d organizations, want %d", got, len(e.ds.Organizations))
	}
}

func TestConfigurations_PagesToTheEnd(t *testing.T) {
	e := generated(t)
	sink, next, err := e.pull(t, generatedOrg, "")
	if err != nil {
		t.Fatalf("Pull: %v", err)
	}
	if next != "" {
		t.Errorf("next = %q, want empty", next)
	}
	// Per type: 4 firewalls (2 pages), 3 routers, 3 switches, 3 managed network
	// devices (2 pages each).
	want := []connectors.Cursor{
		`{"type":501521,"page":2}`, `{"type":501522,"page":1}`,
		`{"type":501522,"page":2}`, `{"type":501527,"page":1}`,
		`{"type":501527,"page":2}`, `{"type":501530,"page":1}`,
		`{"type":501530,"page":2}`, ``,
	}
	var cursors []connectors.Cursor
	for _, p := range sink.Pages {
		cursors = append(cursors, p.Next)
		if len(p.Records) == 0 || len(p.Records) > 2 {
			t.Errorf("page of %d records, want 1 or 2", len(p.Records))
		}
	}
	if !reflect.DeepEqual(cursors, want) {
		t.Errorf("cursors = %q, want %q", cursors, want)
	}
	orgID := e.ds.Organization(generatedOrg).ID
	wantIDs := map[string]bool{}
	for _, c := range e.ds.Configurations {
		if fmt.Sprint(c.Int("organization-id")) == orgID {
			wantIDs[c.ID] = true
		}
	}
	got := configurations(sink)
	if len(got) != len(wantIDs) {
		t.Errorf("%d configurations, want %d", len(got), len(wantIDs))
	}
	for _, c := range got {
		if !wantIDs[c.SourceID] {
			t.Errorf("configuration %s emitted, not in the organization", c.SourceID)
		}
		delete(wantIDs, c.SourceID)
		if len(c.Backups) != 2 {
			t.Errorf("configuration %s has %d backups, want 2", c.Name, len(c.Backups))
		}
	}
	if n := e.srv.Requests("/configurations"); n != 8 {
		t.Errorf("%d requests to /configurations, want 8 (one per page)", n)
	}
}

func TestConfigurations_ResumesFromEveryCursor(t *testing.T) {
	e := generated(t)
	full, _, err := e.pull(t, generatedOrg, "")
	if err != nil {
		t.Fatalf("full Pull: %v", err)
	}
	for i, p := range full.Pages[:len(full.Pages)-1] {
		t.Run(string(p.Next), func(t *testing.T) {
			sink, _, err := e.pull(t, generatedOrg, p.Next)
			if err != nil {
				t.Fatalf("Pull: %v", err)
			}
			var want []string
			for _, rest := range full.Pages[i+1:] {
				for _, r := range rest.Records {
					want = append(want, r.(*record.Configuration).Name)
				}
			}
			if got := names(sink); !reflect.DeepEqual(got, want) {
				t.Errorf("resumed pull emitted %q, want %q", got, want)
			}
			if len(sink.Warns) != 0 {
				t.Errorf("warnings %v, want none", sink.Warns)
			}
		})
	}
}

func TestConfigurations_UnreadableCursorRestarts(t *testing.T) {
	for _, cur := range []connectors.Cursor{"not json", `{"type":0,"page":0}`, `{"page":3}`} {
		t.Run(string(cur), func(t *testing.T) {
			e := generated(t)
			sink, _, err := e.pull(t, generatedOrg, cur)
			if err != nil {
				t.Fatalf("Pull: %v", err)
			}
			if len(sink.Warns) != 1 {
				t.Errorf("warnings = %v, want one", sink.Warns)
			}
			if got := len(sink.Records()); got != 13 {
				t.Errorf("%d records, want all 13", got)
			}
		})
	}
}

func TestRetry_429WithRetryAfterThenSuccess(t *testing.T) {
	e := newDemoEnv(t)
	e.srv.Inject(fx.Fault{Path: "/configurations", Status: 429, RetryAfter: "1", Times: 2})
	start := time.Now()
	sink, _, err := e.pull(t, "Contoso Ltd", "")
	if err != nil {
		t.Fatalf("Pull: %v", err)
	}
	if got, want := names(sink), []string{"CON-FW01", "CON-SW01"}; !reflect.DeepEqual(got, want) {
		t.Errorf("configurations = %q, want %q", got, want)
	}
	// One request per network type (4), plus the two throttled ones.
	if n := e.srv.Requests("/configurations"); n != 6 {
		t.Errorf("%d requests to /configurations, want 6", n)
	}
	if d := time.Since(start); d < 2*time.Second {
		t.Errorf("pull took %v, want at least 2s (Retry-After: 1, twice)", d)
	}
	connectortest.MustContain(t, e.logs.String(), "retrying request")
}

func TestRetry_ServerErrorsBeyondMaxRetriesFail(t *testing.T) {
	for _, status := range []int{500, 502, 503, 504} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			e := generated(t)
			orgID := e.ds.Organization(generatedOrg).ID
			e.srv.Inject(fx.Fault{Path: "/configurations", Status: status,
				Query: map[string]string{"filter[configuration_type_id]": "501522", "page[number]": "2"}})
			sink, _, err := e.pull(t, generatedOrg, "")
			if err == nil {
				t.Fatal("Pull succeeded, want an error")
			}
			connectortest.MustContain(t, err.Error(), "itglue", "configurations", "organization "+orgID, "type 501522", "page 2", fmt.Sprint(status))
			if got := connectors.Classify(err); got != vocab.OutcomeFailed {
				t.Errorf("Classify = %q, want %q", got, vocab.OutcomeFailed)
			}
			// Firewalls (2 pages) and the routers' first page were delivered.
			if len(sink.Pages) != 3 || sink.Pages[2].Next != `{"type":501522,"page":2}` {
				t.Errorf("pages delivered = %d (last cursor %q), want 3 ending at the failing page", len(sink.Pages), lastCursor(sink))
			}
			// 3 good pages + 1 + max_retries (2) attempts at the failing one.
			if n := e.srv.Requests("/configurations"); n != 6 {
				t.Errorf("%d requests to /configurations, want 6", n)
			}
		})
	}
}

func lastCursor(s *connectortest.Sink) connectors.Cursor {
	if len(s.Pages) == 0 {
		return ""
	}
	return s.Pages[len(s.Pages)-1].Next
}

func TestBrokenPage_NothingFromItDelivered(t *testing.T) {
	tests := []struct {
		name  string
		fault fx.Fault
	}{
		{"malformed JSON", fx.Fault{Malformed: true}},
		{"truncated body", fx.Fault{Truncated: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := generated(t)
			orgID := e.ds.Organization(generatedOrg).ID
			f := tt.fault
			f.Path, f.Query = "/configurations", map[string]string{"filter[configuration_type_id]": "501521", "page[number]": "2"}
			e.srv.Inject(f)
			sink, _, err := e.pull(t, generatedOrg, "")
			if err == nil {
				t.Fatal("Pull succeeded, want an error")
			}
			connectortest.MustContain(t, err.Error(), "itglue", "configurations", "organization "+orgID, "page 2")
			if len(sink.Pages) != 1 || len(sink.Records()) != 2 {
				t.Errorf("delivered %d pages with %d records, want only page 1 (2 records)", len(sink.Pages), len(sink.Records()))
			}
			if got := connectors.Classify(err); got != vocab.OutcomeFailed {
				t.Errorf("Classify = %q, want %q", got, vocab.OutcomeFailed)
			}
		})
	}
}

func TestTimeout_FailsWithoutHanging(t *testing.T) {
	e := newDemoEnv(t)
	e.srv.Inject(fx.Fault{Path: "/configurations", Delay: 10 * time.Second})
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, _, err := e.pull(t, "Contoso Ltd", "")
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Pull succeeded, want a timeout error")
		}
		connectortest.MustContain(t, err.Error(), "itglue", "configurations", "timed out")
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("pull took %v, want about (1 + max_retries) × timeout", d)
		}
		if n := e.srv.Requests("/configurations"); n != 3 {
			t.Errorf("%d requests, want 3 (one try and two retries)", n)
		}
	case <-time.After(8 * time.Second):
		t.Fatal("Pull hung past the client timeout")
	}
}

func TestCancelledContext_StopsPull(t *testing.T) {
	e := newDemoEnv(t)
	e.srv.Inject(fx.Fault{Path: "/configurations", Delay: 10 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := e.configurations().Pull(ctx, e.scope(t, "Contoso Ltd"), "", &connectortest.Sink{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
}

func TestAccessDenied(t *testing.T) {
	tests := []struct {
		name   string
		key    string
		inject *fx.Fault
	}{
		{"wrong key", "ITG.0000000000000000000000000000000", nil},
		{"401 on configurations", testKey, &fx.Fault{Path: "/configurations", Status: 401}},
		{"403 on configuration types", testKey, &fx.Fault{Path: "/configuration_types", Status: 403}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newDemoEnv(t, withKey(tt.key))
			if tt.inject != nil {
				e.srv.Inject(*tt.inject)
			}
			_, _, err := e.pull(t, "Contoso Ltd", "")
			if got := connectors.Classify(err); got != vocab.OutcomeAccessDenied {
				t.Errorf("Classify(%v) = %q, want %q", err, got, vocab.OutcomeAccessDenied)
			}
			var se *connectors.StatusError
			if !errors.As(err, &se) {
				t.Errorf("err = %v, want a *connectors.StatusError inside", err)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	e := newDemoEnv(t)
	if err := e.conn.Check(context.Background()); err != nil {
		t.Errorf("Check: %v", err)
	}
	if n := e.srv.Requests("/organizations"); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	bad := newDemoEnv(t, withKey("ITG.revoked000000000000000000000000"))
	err := bad.conn.Check(context.Background())
	if got := connectors.Classify(err); got != vocab.OutcomeAccessDenied {
		t.Errorf("Check with a revoked key: Classify(%v) = %q, want %q", err, got, vocab.OutcomeAccessDenied)
	}
}

func TestSecrets_NeverInErrorsOrLogs(t *testing.T) {
	tests := []struct {
		name  string
		fault fx.Fault
	}{
		{"401 echoing the key", fx.Fault{Path: "/configurations", Status: 401, EchoCredentials: true}},
		{"503 echoing the key on every retry", fx.Fault{Path: "/configuration_types", Status: 503, EchoCredentials: true}},
		{"429 echoing the key", fx.Fault{Path: "/configurations", Status: 429, RetryAfter: "0", EchoCredentials: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newDemoEnv(t)
			e.srv.Inject(tt.fault)
			_, _, err := e.pull(t, "Contoso Ltd", "")
			if err == nil {
				t.Fatal("Pull succeeded, want an error")
			}
			// The server did echo something: the redacted placeholder shows where.
			connectortest.MustContain(t, err.Error(), "The API key [REDACTED] was refused")
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("error shows the API key: %v", err)
			}
			if logs := e.logs.String(); strings.Contains(logs, testKey) {
				t.Errorf("logs show the API key: %s", logs)
			}
			if !e.srv.EveryRequestKeyed() {
				t.Error("a request went without the API key")
			}
		})
	}
}

func TestSecrets_DownloadURLNeverStored(t *testing.T) {
	e := newDemoEnv(t)
	sink, _, err := e.pull(t, "Northwind Traders", "")
	if err != nil {
		t.Fatalf("Pull: %v", err)
	}
	for _, c := range configurations(sink) {
		if strings.Contains(string(c.Raw), "download") || strings.Contains(string(c.Raw), "signature=") {
			t.Errorf("%s: Raw holds the download URL: %s", c.Name, c.Raw)
		}
		for _, b := range c.Backups {
			if b.Raw != nil {
				t.Errorf("%s: backup %s keeps a raw payload, which would hold the download URL: %s", c.Name, b.FileName, b.Raw)
			}
		}
	}
	if strings.Contains(e.logs.String(), "download") {
		t.Errorf("logs mention the download URL: %s", e.logs.String())
	}
}

func TestUserAgent_SentAsGiven(t *testing.T) {
	e := newDemoEnv(t, withUserAgent("Custos/1.4.2 (+https://github.com/custos-msp/custos)"))
	if _, _, err := e.pull(t, "Contoso Ltd", ""); err != nil {
		t.Fatalf("Pull: %v", err)
	}
	if got := e.srv.LastUserAgent(); got != "Custos/1.4.2 (+https://github.com/custos-msp/custos)" {
		t.Errorf("User-Agent = %q", got)
	}
	if !e.srv.EveryRequestKeyed() {
		t.Error("a request went without the API key")
	}
}

func TestConfigurations_FallsBackWhenIncludeIgnored(t *testing.T) {
	e := newDemoEnv(t)
	e.srv.IgnoreInclude(true)
	sink, _, err := e.pull(t, "Northwind Traders", "")
	if err != nil {
		t.Fatalf("Pull: %v", err)
	}
	var files []string
	for _, c := range configurations(sink) {
		for _, b := range c.Backups {
			files = append(files, b.FileName)
		}
	}
	want := []string{"NW-FW01-old-config.conf", "NW-FW01-new-config.conf", "NW-CORE01-startup-config.txt"}
	if !reflect.DeepEqual(files, want) {
		t.Errorf("backups = %q, want %q", files, want)
	}
	fw := e.ds.Configuration("NW-FW01")
	if n := e.srv.Requests("/configurations/" + fw.ID + "/relationships/attachments"); n != 1 {
		t.Errorf("%d requests for NW-FW01's attachments, want 1", n)
	}
	connectortest.MustContain(t, e.logs.String(), "without attachments linkage")
}

func TestSinkError_StopsPull(t *testing.T) {
	e := generated(t)
	sink := &connectortest.Sink{FailAfter: 2}
	_, err := e.configurations().Pull(context.Background(), e.scope(t, generatedOrg), "", sink)
	if err == nil || !strings.Contains(err.Error(), "sink full") {
		t.Fatalf("err = %v, want the sink's error", err)
	}
	if n := e.srv.Requests("/configurations"); n != 3 {
		t.Errorf("%d requests, want 3 (no page read after the refused one)", n)
	}
}

func TestNeeds_NamesAdministratorKeyWithoutPasswordAccess(t *testing.T) {
	e := newDemoEnv(t)
	for _, s := range e.conn.Streams() {
		needs := strings.Join(s.Needs(), "\n")
		connectortest.MustContain(t, needs, "API key", "Administrator", "password access")
	}
	if e.conn.Name() != "itglue" {
		t.Errorf("Name = %q", e.conn.Name())
	}
}

func BenchmarkConfigurationsPull(b *testing.B) {
	now := time.Now().UTC()
	ds := fx.Generate(1, 2000, 3, now)
	srv := fx.NewServer(ds, testKey)
	defer srv.Close()
	cfg := testConfig(srv.URL())
	cfg.RequestsPerSecond = 1e6
	cfg.Timeout = duration.Duration(10 * time.Second)
	conn := New(cfg, secret.New(testKey), connectors.Deps{})
	scope := connectors.Scope{ID: ds.Organizations[0].ID}
	b.ReportAllocs()
	for b.Loop() {
		sink := &connectortest.Sink{}
		if _, err := conn.Streams()[1].Pull(context.Background(), scope, "", sink); err != nil {
			b.Fatal(err)
		}
		if n := len(sink.Records()); n != 2000 {
			b.Fatalf("%d records, want 2000", n)
		}
	}
}

func TestConfigurations_ScopesPulledConcurrently(t *testing.T) {
	e := newDemoEnv(t, withConfig(func(c *config.ITGlue) { c.OrganizationTypes = []string{"Customer"} }))
	scopes, err := e.configurations().Scopes(context.Background())
	if err != nil {
		t.Fatalf("Scopes: %v", err)
	}
	sinks := make([]*connectortest.Sink, len(scopes))
	errs := make([]error, len(scopes))
	var wg sync.WaitGroup
	for i, sc := range scopes {
		sinks[i] = &connectortest.Sink{}
		wg.Go(func() {
			_, errs[i] = e.configurations().Pull(context.Background(), sc, "", sinks[i])
		})
	}
	wg.Wait()
	var names []string
	for i := range scopes {
		if errs[i] != nil {
			t.Errorf("scope %s: %v", scopes[i].Name, errs[i])
		}
		for _, c := range configurations(sinks[i]) {
			if c.CustomerRef != scopes[i].ID {
				t.Errorf("%s emitted for scope %s, belongs to %s", c.Name, scopes[i].ID, c.CustomerRef)
			}
			names = append(names, c.Name)
		}
	}
	slices.Sort(names)
	want := []string{"CON-FW01", "CON-SW01", "FAB-FW02", "FAB-RTR01", "NW-CORE01", "NW-FW01"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("configurations = %q, want %q", names, want)
	}
}
