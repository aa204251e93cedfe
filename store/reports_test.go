package store_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// seedReportCustomers writes two active customers and an offboarded one; the
// returned ids are Contoso's and Fabrikam's.
func seedReportCustomers(t *testing.T, st *store.Store) (contoso, fabrikam uint) {
	t.Helper()
	c := &store.Customer{Name: "Contoso Ltd", Key: "contoso"}
	f := &store.Customer{Name: "Fabrikam Inc", Key: "fabrikam"}
	old := &store.Customer{Name: "Adatum", Key: "adatum", Status: store.CustomerOffboarded}
	create(t, st, c, f, old)
	return c.ID, f.ID
}

func TestArchiveReport_KeepsEveryRendering(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		contoso, _ := seedReportCustomers(t, st)
		tests := []struct {
			format, variant, month string
			rendering              int
			sum                    string
			wantErr                error
		}{
			{"pdf", "customer", "2026-10", 1, "aa", nil},
			{"pdf", "customer", "2026-10", 2, "aa", nil}, // the same content again is a rendering of its own
			{"pdf", "customer", "2026-10", 2, "bb", store.ErrRenderingTaken},
			{"html", "internal", "2026-10", 1, "cc", nil},
			{"html", "customer", "2026-11", 1, "dd", nil},
		}
		for _, tt := range tests {
			next, err := st.NextRendering(ctx, contoso, tt.month, tt.format, tt.variant)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantErr == nil && next != tt.rendering {
				t.Errorf("next %s %s rendering of %s = %d, want %d", tt.variant, tt.format, tt.month, next, tt.rendering)
			}
			a := store.ReportArchive{CustomerID: contoso, Month: tt.month, Format: tt.format, Variant: tt.variant, Rendering: tt.rendering,
				SHA256: tt.sum, DocumentSHA256: "doc-" + tt.sum, Path: fmt.Sprintf("%s-r%d.%s", tt.month, tt.rendering, tt.format)}
			if err := st.ArchiveReport(ctx, &a); !errors.Is(err, tt.wantErr) {
				t.Errorf("archiving %s %s: %v, want %v", a.Path, tt.variant, err, tt.wantErr)
			}
		}
		got, err := st.ReportArchives(ctx, contoso)
		if err != nil {
			t.Fatal(err)
		}
		var paths []string
		for _, a := range got {
			paths = append(paths, a.Path)
		}
		if want := []string{"2026-11-r1.html", "2026-10-r1.html", "2026-10-r1.pdf", "2026-10-r2.pdf"}; !slices.Equal(paths, want) {
			t.Errorf("archives = %v, want %v", paths, want)
		}
		for sum, want := range map[string]int{"aa": 2, "doc-cc": 1, "bb": 0, "zz": 0} {
			rows, err := st.ReportArchivesByHash(ctx, sum)
			if err != nil || len(rows) != want {
				t.Errorf("archives with hash %s: %d, %v; want %d", sum, len(rows), err, want)
			}
		}
	})
}

func TestCustomerByName_CaseInsensitiveAndUnknown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		contoso, _ := seedReportCustomers(t, st)
		c, err := st.CustomerByName(ctx, " contoso LTD ")
		if err != nil || c.ID != contoso {
			t.Errorf("CustomerByName = %d, %v; want %d", c.ID, err, contoso)
		}
		if _, err := st.CustomerByName(ctx, "Nobody"); !errors.Is(err, store.ErrNoCustomer) {
			t.Errorf("unknown customer: err = %v, want ErrNoCustomer", err)
		}
		active, err := st.ActiveCustomers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, a := range active {
			names = append(names, a.Name)
		}
		if want := []string{"Contoso Ltd", "Fabrikam Inc"}; !slices.Equal(names, want) {
			t.Errorf("active customers = %v, want %v", names, want)
		}
	})
}

func TestReportAccessEvents_PeriodAndCoveringAuthorisation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		contoso, fabrikam := seedReportCustomers(t, st)
		tech := &store.Technician{Name: "Alice Smith", Key: "alice smith"}
		dev := &store.Device{Name: "CON-PC-001", CustomerID: &contoso, HostKey: "con-pc-001"}
		create(t, st, tech, dev)
		auth := &store.Authorisation{
			Pulled: store.Pulled{Source: "custos", SourceID: "1", Stream: "register", Scope: "account"}, AccessScope: "remote",
			ValidFrom: t0, GrantedBy: "Jane Doe", Evidence: "ticket T1", CustomerID: &contoso,
		}
		create(t, st, auth)
		from, to := t0, t0.AddDate(0, 1, 0)
		event := func(id string, customer uint, at time.Time, covered *uint) *store.AccessEvent {
			return &store.AccessEvent{
				Pulled: store.Pulled{Source: "screenconnect", SourceID: id, Stream: "connections", Scope: "account"},
				Kind:   "remote_session", Action: "Connected", StartedAt: at, CustomerID: &customer,
				TechnicianID: &tech.ID, DeviceID: &dev.ID, CoveredBy: covered,
			}
		}
		create(t, st,
			event("before", contoso, from.Add(-time.Second), nil),
			event("last", contoso, to.Add(-time.Second), nil),
			event("first", contoso, from, &auth.ID),
			event("at-end", contoso, to, nil),
			event("other", fabrikam, from.Add(time.Hour), nil),
		)
		got, err := st.ReportAccessEvents(ctx, contoso, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].SourceID != "first" || got[1].SourceID != "last" {
			t.Fatalf("events = %+v, want first and last", got)
		}
		first, last := got[0], got[1]
		if first.TechnicianName != "Alice Smith" || first.CanonicalDevice != "CON-PC-001" {
			t.Errorf("names = %q, %q", first.TechnicianName, first.CanonicalDevice)
		}
		if first.AuthEvidence != "ticket T1" || first.AuthGrantedBy != "Jane Doe" || first.AuthScope != "remote" ||
			first.AuthValidFrom == nil || !first.AuthValidFrom.Equal(t0) || first.AuthValidTo != nil {
			t.Errorf("covering authorisation = %+v", first)
		}
		if last.AuthEvidence != "" || last.AuthValidFrom != nil {
			t.Errorf("uncovered event shows an authorisation: %+v", last)
		}
	})
}

func TestCustomerFindingsAndConfigurations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		contoso, fabrikam := seedReportCustomers(t, st)
		finding := func(fp string, customer uint, first time.Time) *store.Finding {
			return &store.Finding{Rule: "R", Fingerprint: fp, Subject: fp, CustomerID: &customer, Severity: "high",
				Summary: fp, FirstSeen: first, LastSeen: first, Status: store.StatusOpen}
		}
		create(t, st, finding("b", contoso, t0), finding("a", contoso, t0.Add(-time.Hour)),
			finding("late", contoso, t0.Add(time.Hour)), finding("other", fabrikam, t0))
		fs, err := st.CustomerFindings(ctx, contoso, t0.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		var fps []string
		for _, f := range fs {
			fps = append(fps, f.Fingerprint)
		}
		if want := []string{"b", "a"}; !slices.Equal(fps, want) {
			t.Errorf("findings = %v, want %v (by id, first seen before the end)", fps, want)
		}

		conf := func(id, name string, customer uint, archived bool, removed *time.Time, backups ...string) *store.Configuration {
			c := &store.Configuration{Pulled: store.Pulled{Source: "itglue", SourceID: id, Stream: "configurations", Scope: "1", RemovedAt: removed},
				Name: name, CustomerID: &customer, Archived: archived}
			for _, b := range backups {
				c.Backups = append(c.Backups, store.ConfigBackup{Source: "itglue", SourceID: id + b, FileName: b})
			}
			return c
		}
		create(t, st, conf("1", "FW02", contoso, false, nil, "z.conf", "a.conf"), conf("2", "FW01", contoso, false, nil),
			conf("3", "OLD", contoso, true, nil), conf("4", "GONE", contoso, false, &t0), conf("5", "FAB", fabrikam, false, nil))
		cs, err := st.CustomerConfigurations(ctx, contoso)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 2 || cs[0].Name != "FW01" || cs[1].Name != "FW02" {
			t.Fatalf("configurations = %+v, want FW01 and FW02", cs)
		}
		if len(cs[1].Backups) != 2 || cs[1].Backups[0].FileName != "z.conf" {
			t.Errorf("backups of FW02 = %+v, want z.conf then a.conf (by id)", cs[1].Backups)
		}
	})
}

func TestCustomerCoverage_AccountAndLinkedScopes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		contoso, fabrikam := seedReportCustomers(t, st)
		create(t, st,
			&store.Link{Source: "itglue", Kind: store.LinkCustomer, SourceID: "100", TargetID: contoso, Method: "auto:created"},
			&store.Link{Source: "itglue", Kind: store.LinkCustomer, SourceID: "200", TargetID: fabrikam, Method: "auto:created"},
			// The same source id at another connector is another customer's scope.
			&store.Link{Source: "dattormm", Kind: store.LinkCustomer, SourceID: "100", TargetID: fabrikam, Method: "auto:name"},
		)
		cov := func(connector, stream, scope string, at time.Time) *store.Coverage {
			return &store.Coverage{Connector: connector, Stream: stream, Scope: scope, StartedAt: at, FinishedAt: at, Outcome: "ok"}
		}
		from, to := t0, t0.AddDate(0, 1, 0)
		create(t, st,
			cov("screenconnect", "connections", "account", from.Add(time.Hour)),
			cov("itglue", "configurations", "100", from.Add(2*time.Hour)),
			cov("itglue", "configurations", "200", from.Add(2*time.Hour)),
			cov("dattormm", "devices", "100", from.Add(2*time.Hour)),
			cov("autotask", "tickets", "account", from.Add(-time.Hour)),
			cov("itglue", "configurations", "100", to),
		)
		late := cov("screenconnect", "events", "account", to.Add(time.Hour))
		late.WindowStart, late.WindowEnd = ptr(to.Add(-time.Hour)), ptr(to)
		tooLate := cov("screenconnect", "events", "account", to.Add(3*time.Hour))
		tooLate.WindowStart, tooLate.WindowEnd = ptr(to.Add(-time.Hour)), ptr(to)
		create(t, st, late, tooLate)
		rows, err := st.CustomerCoverage(ctx, contoso, from, to, to.Add(2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rows {
			got = append(got, r.Connector+"/"+r.Scope)
		}
		if want := []string{"itglue/100", "screenconnect/account", "screenconnect/account"}; !slices.Equal(got, want) || rows[2].Stream != "events" {
			t.Errorf("coverage = %v, want %v", got, want)
		}
		for _, tt := range []struct {
			connector, stream string
			before            time.Time
			want              bool
		}{
			{"itglue", "configurations", to, true}, {"itglue", "configurations", from, false}, {"m365", "rmmreports", to, false},
		} {
			if got, err := st.StreamRead(ctx, tt.connector, tt.stream, tt.before); err != nil || got != tt.want {
				t.Errorf("StreamRead(%s, %s, %v) = %v, %v; want %v", tt.connector, tt.stream, tt.before, got, err, tt.want)
			}
		}
		streams, err := st.CustomerStreams(ctx, contoso, to.Add(2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		want := []store.CoveredStream{{"autotask", "tickets"}, {"itglue", "configurations"}, {"screenconnect", "connections"}, {"screenconnect", "events"}}
		if !slices.Equal(streams, want) {
			t.Errorf("streams = %v, want %v", streams, want)
		}
	})
}
