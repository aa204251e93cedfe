package mapping_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/mapping"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

var (
	ctx = context.Background()
	now = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
)

func TestNormaliseName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Contoso Ltd", "contoso"},
		{"CONTOSO limited.", "contoso"},
		{"Contoso, Inc.", "contoso"},
		{"  Fabrikam   GmbH & Co. KG ", "fabrikam"},
		{"A&B Plumbing", "a and b plumbing"},
		{"Ltd", "ltd"},
		{"Northwind Traders", "northwind traders"},
		{"Müller Bäckerei GmbH", "müller bäckerei"},
		{"Contoso L.L.C.", "contoso"},
		{"Contoso, L.L.C", "contoso"},
		{"Tailspin Toys S.A.", "tailspin toys"},
		{"Adatum B.V.", "adatum"},
		{"Fabrikam G.m.b.H. & Co. K.G.", "fabrikam"},
		{"A.B. Plumbing", "ab plumbing"},
		{"contoso.com", "contoso com"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := mapping.NormaliseName(tt.in); got != tt.want {
			t.Errorf("NormaliseName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func org(source, id, name, status string) *record.Organization {
	return &record.Organization{Source: source, SourceID: id, Name: name, Type: "Customer", Status: status}
}

func write(t *testing.T, st *store.Store, stream string, recs ...record.Record) {
	t.Helper()
	key := store.StreamKey{Connector: "x", Stream: stream, Scope: "account"}
	if err := st.CommitPage(ctx, store.Page{Key: key, Records: recs, SeenAt: now}); err != nil {
		t.Fatal(err)
	}
}

func customerOf(t *testing.T, st *store.Store, source, sourceID string) (store.Customer, string) {
	t.Helper()
	var link store.Link
	if err := storetest.DB(ctx, st).Where("source = ? AND kind = ? AND source_id = ?", source, store.LinkCustomer, sourceID).Take(&link).Error; err != nil {
		return store.Customer{}, ""
	}
	var c store.Customer
	if err := storetest.DB(ctx, st).First(&c, link.TargetID).Error; err != nil {
		t.Fatal(err)
	}
	return c, link.Method
}

func TestResolve_CreatesLinksAndPropagates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		opts := mapping.Options{CreateFrom: []string{"itglue"}, InactiveStatuses: []string{"Inactive"}}
		write(t, st, "organizations", org("itglue", "1", "Contoso Ltd", "Active"), org("itglue", "2", "Fabrikam Inc", "Inactive"))
		write(t, st, "sites", org("dattormm", "s-9", "CONTOSO Limited", ""), org("dattormm", "s-10", "Unknown Corp", ""))
		write(t, st, "configurations", &record.Configuration{Source: "itglue", SourceID: "c1", CustomerRef: "1", Name: "fw"})

		res, err := mapping.Resolve(ctx, st, opts, now)
		if err != nil {
			t.Fatal(err)
		}
		if res != (mapping.Result{Linked: 3, Created: 2, Unresolved: 1, DevicesLinked: 1}) {
			t.Errorf("result = %+v, want 3 linked, 2 created, 1 unresolved, 1 device", res)
		}
		contoso, method := customerOf(t, st, "itglue", "1")
		if contoso.Name != "Contoso Ltd" || method != mapping.MethodCreated {
			t.Errorf("itglue 1 → %q by %s", contoso.Name, method)
		}
		site, method := customerOf(t, st, "dattormm", "s-9")
		if site.ID != contoso.ID || method != mapping.MethodName {
			t.Errorf("dattormm site linked to customer %d by %s, want %d by name", site.ID, method, contoso.ID)
		}
		if c, _ := customerOf(t, st, "dattormm", "s-10"); c.ID != 0 {
			t.Error("a source that may not create customers created one")
		}
		fabrikam, _ := customerOf(t, st, "itglue", "2")
		if fabrikam.Status != store.CustomerOffboarded {
			t.Errorf("Fabrikam status = %s, want offboarded (inactive in IT Glue)", fabrikam.Status)
		}
		var cfg store.Configuration
		if err := storetest.DB(ctx, st).Where("source_id = ?", "c1").Take(&cfg).Error; err != nil {
			t.Fatal(err)
		}
		if cfg.CustomerID == nil || *cfg.CustomerID != contoso.ID {
			t.Errorf("configuration customer = %v, want %d", cfg.CustomerID, contoso.ID)
		}

		again, err := mapping.Resolve(ctx, st, opts, now)
		if err != nil || again != (mapping.Result{Unresolved: 1}) {
			t.Errorf("second Resolve = %+v, %v; want only the unresolved one again", again, err)
		}
		var n int64
		storetest.DB(ctx, st).Model(&store.Customer{}).Count(&n)
		if n != 2 {
			t.Errorf("customers = %d after two runs, want 2", n)
		}
	})
}

// TestResolve_RefreshesNameKeys stores customers whose keys an older normalisation
// made ("contoso l l c" for "Contoso L.L.C."): the next Resolve brings the keys up
// to date, so that another source's "Contoso LLC" links to the customer there is
// instead of creating a second one, and a key another customer holds stays apart.
func TestResolve_RefreshesNameKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		for _, c := range []store.Customer{
			{Name: "Contoso L.L.C.", Key: "contoso l l c", Status: store.CustomerActive},
			{Name: "Adatum B.V.", Key: "adatum b v", Status: store.CustomerActive},
			{Name: "Adatum", Key: "adatum", Status: store.CustomerActive},
		} {
			if err := storetest.DB(ctx, st).Create(&c).Error; err != nil {
				t.Fatal(err)
			}
		}
		write(t, st, "organizations", org("itglue", "7", "Contoso LLC", "Active"))
		if _, err := mapping.Resolve(ctx, st, mapping.Options{CreateFrom: []string{"itglue"}}, now); err != nil {
			t.Fatal(err)
		}
		if c, method := customerOf(t, st, "itglue", "7"); c.Name != "Contoso L.L.C." || method != mapping.MethodName {
			t.Errorf("itglue Contoso LLC linked to %q by %q, want the stored Contoso L.L.C. by name", c.Name, method)
		}
		keys := map[string]string{}
		var all []store.Customer
		storetest.DB(ctx, st).Find(&all)
		for _, c := range all {
			keys[c.Name] = c.Key
		}
		want := map[string]string{"Contoso L.L.C.": "contoso", "Adatum B.V.": "adatum b v", "Adatum": "adatum"}
		if !reflect.DeepEqual(keys, want) {
			t.Errorf("customer keys %v, want %v", keys, want)
		}
	})
}

func TestLink_ManualCustomerOverride(t *testing.T) {
	st := storetest.Open(t, "sqlite", nil)
	opts := mapping.Options{CreateFrom: []string{"itglue"}}
	write(t, st, "organizations", org("itglue", "1", "Contoso Ltd", "Active"), org("itglue", "2", "Contoso Holdings", "Active"))
	write(t, st, "sites", org("dattormm", "s-1", "Contoso Holdings", ""))
	if _, err := mapping.Resolve(ctx, st, opts, now); err != nil {
		t.Fatal(err)
	}
	contoso, _ := customerOf(t, st, "itglue", "1")
	if err := mapping.Link(ctx, st, store.LinkCustomer, "dattormm", "s-1", contoso.ID); err != nil {
		t.Fatal(err)
	}
	got, method := customerOf(t, st, "dattormm", "s-1")
	if got.ID != contoso.ID || method != mapping.MethodManual {
		t.Errorf("after override: customer %d by %s, want %d manual", got.ID, method, contoso.ID)
	}
	if err := mapping.Link(ctx, st, store.LinkCustomer, "dattormm", "s-1", 9999); err == nil {
		t.Error("linking to a customer that does not exist succeeded")
	}
	if _, err := mapping.Resolve(ctx, st, opts, now); err != nil {
		t.Fatal(err)
	}
	if got, _ := customerOf(t, st, "dattormm", "s-1"); got.ID != contoso.ID {
		t.Error("Resolve replaced a manual link")
	}
}

// TestResolve_CountsEachOrganizationOnce checks that every organization is counted
// as exactly one of linked (created ones among them) or unresolved, whichever way it
// was linked.
func TestResolve_CountsEachOrganizationOnce(t *testing.T) {
	contoso := org("itglue", "1", "Contoso Ltd", "Active")
	tests := []struct {
		name string
		recs []record.Record
		want mapping.Result
	}{
		{"created", []record.Record{contoso}, mapping.Result{Linked: 1, Created: 1}},
		{"by name", []record.Record{contoso, org("dattormm", "s-1", "CONTOSO Limited", "")}, mapping.Result{Linked: 2, Created: 1}},
		{"by domain", []record.Record{contoso, org("screenconnect", "Contso", "Contso", ""),
			&record.Endpoint{Source: "screenconnect", SourceID: "g-1", CustomerRef: "Contso", Hostname: "pc-1", Domain: "contoso.local"}},
			mapping.Result{Linked: 2, Created: 1, DevicesLinked: 1}},
		{"unresolved", []record.Record{contoso, org("dattormm", "s-2", "Unknown Corp", "")}, mapping.Result{Linked: 1, Created: 1, Unresolved: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := storetest.Open(t, "sqlite", nil)
			write(t, st, "organizations", tt.recs...)
			opts := mapping.Options{CreateFrom: []string{"itglue"}, Domains: map[string][]string{"Contoso Ltd": {"contoso.local"}}}
			got, err := mapping.Resolve(ctx, st, opts, now)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("result = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestResolve_RowsFollowTheirReference checks that a record's resolved ids follow
// its references, although a run only resolves rows that have none: a device that
// moves to another site in a re-pull belongs to that site's customer, an access
// event whose actor is renamed at the source belongs to the new technician, and a
// site linked by hand moves the records that name it with it.
func TestResolve_RowsFollowTheirReference(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		opts := mapping.Options{CreateFrom: []string{"itglue"}, Technicians: []config.Technician{
			{Name: "Alice Smith", Email: "alice@msp.example"}, {Name: "Bob Jones", Email: "bob@msp.example"}}}
		at := now.Add(-time.Hour)
		event := func(actor string) *record.AccessEvent {
			return &record.AccessEvent{Source: "itglue", SourceID: "e1", Kind: record.KindRemoteSession, Action: "Connected",
				StartedAt: at, CustomerRef: "1", ActorRef: actor}
		}
		write(t, st, "organizations", org("itglue", "1", "Contoso Ltd", "Active"), org("itglue", "2", "Fabrikam Inc", "Active"))
		write(t, st, "configurations", &record.Configuration{Source: "itglue", SourceID: "c1", CustomerRef: "1", Name: "fw"})
		write(t, st, "events", event("alice@msp.example"))
		resolve := func() {
			t.Helper()
			if _, err := mapping.Resolve(ctx, st, opts, now); err != nil {
				t.Fatal(err)
			}
		}
		resolve()
		contoso, _ := customerOf(t, st, "itglue", "1")
		fabrikam, _ := customerOf(t, st, "itglue", "2")
		technician := func(name string) uint {
			var all []store.Technician // names are sealed: read them all and compare opened
			if err := storetest.DB(ctx, st).Find(&all).Error; err != nil {
				t.Fatal(err)
			}
			for _, tech := range all {
				if tech.Name == name {
					return tech.ID
				}
			}
			t.Fatalf("no technician %s", name)
			return 0
		}
		check := func(when string, customer uint, tech uint) {
			t.Helper()
			var cfg store.Configuration
			var ev store.AccessEvent
			if err := storetest.DB(ctx, st).Where("source_id = ?", "c1").Take(&cfg).Error; err != nil {
				t.Fatal(err)
			}
			if err := storetest.DB(ctx, st).Where("source_id = ?", "e1").Take(&ev).Error; err != nil {
				t.Fatal(err)
			}
			if cfg.CustomerID == nil || *cfg.CustomerID != customer {
				t.Errorf("%s: the configuration's customer is %s, want %d", when, idOf(cfg.CustomerID), customer)
			}
			if ev.TechnicianID == nil || *ev.TechnicianID != tech {
				t.Errorf("%s: the event's technician is %s, want %d", when, idOf(ev.TechnicianID), tech)
			}
		}
		check("first run", contoso.ID, technician("Alice Smith"))

		write(t, st, "configurations", &record.Configuration{Source: "itglue", SourceID: "c1", CustomerRef: "2", Name: "fw"})
		write(t, st, "events", event("bob@msp.example"))
		resolve()
		check("after the device moved to site 2 and the actor was renamed", fabrikam.ID, technician("Bob Jones"))

		if err := mapping.Link(ctx, st, store.LinkCustomer, "itglue", "2", contoso.ID); err != nil {
			t.Fatal(err)
		}
		check("after site 2 was linked to Contoso by hand", contoso.ID, technician("Bob Jones"))
	})
}

// idOf writes an optional id, "none" for nil.
func idOf(id *uint) string {
	if id == nil {
		return "none"
	}
	return fmt.Sprint(*id)
}
