package autotask

import (
	"reflect"
	"testing"

	"github.com/custos-msp/custos/config"
	fx "github.com/custos-msp/custos/fixtures/autotask"
	"github.com/custos-msp/custos/record"
)

func TestStreams_NamesModesAndOrder(t *testing.T) {
	e := newEnv(t)
	var got []string
	for _, s := range e.conn.Streams() {
		got = append(got, s.Name()+"/"+s.Mode().String())
	}
	want := []string{"companies/snapshot", "resources/snapshot", "contacts/snapshot", "tickets/incremental"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("streams = %v, want %v", got, want)
	}
}

func TestCompanies_MapsOrganizations(t *testing.T) {
	e := newEnv(t)
	e.srv.Update(func(ds *fx.Dataset) { ds.Find(fx.EntityCompanies, "id", 29683504)["isActive"] = false })
	sink, next := e.mustPull(t, "companies", "")
	if next != "" || sink.LastCursor() != "" {
		t.Errorf("cursor = %q / last page %q, want empty after a complete snapshot", next, sink.LastCursor())
	}
	got := map[string]record.Organization{}
	for _, r := range sink.Records() {
		o := r.(*record.Organization)
		got[o.SourceID] = record.Organization{Source: o.Source, SourceID: o.SourceID, Name: o.Name, Type: o.Type, Status: o.Status}
		if len(o.Raw) == 0 || o.SourceUpdatedAt.IsZero() {
			t.Errorf("%s: Raw or SourceUpdatedAt missing", o.Name)
		}
	}
	want := map[string]record.Organization{
		"29683501": {Source: "autotask", SourceID: "29683501", Name: "Contoso Ltd", Type: "Customer", Status: "Active"},
		"29683502": {Source: "autotask", SourceID: "29683502", Name: "Fabrikam Inc", Type: "Customer", Status: "Active"},
		"29683503": {Source: "autotask", SourceID: "29683503", Name: "Northwind Traders", Type: "Customer", Status: "Active"},
		"29683504": {Source: "autotask", SourceID: "29683504", Name: "Tailspin Toys", Type: "Vendor", Status: "Inactive"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("organizations = %+v\nwant %+v", got, want)
	}
}

func TestCompanies_TypeStaysNumberWithoutPicklist(t *testing.T) {
	e := newEnv(t)
	e.srv.Update(func(ds *fx.Dataset) { ds.CompanyTypes = map[int64]string{} })
	sink, _ := e.mustPull(t, "companies", "")
	if o := sink.Records()[0].(*record.Organization); o.Type != "1" {
		t.Errorf("Type = %q, want the picklist value as text", o.Type)
	}
}

func TestCompanies_PagesAndResumesAfterID(t *testing.T) {
	e := newEnv(t)
	e.conn.pageSize = 3
	sink, _ := e.mustPull(t, "companies", "")
	if len(sink.Pages) != 2 || sink.Pages[0].Next != `{"after":29683503}` || sink.Pages[1].Next != "" {
		t.Fatalf("pages = %d, cursors %q, %q", len(sink.Pages), sink.Pages[0].Next, sink.LastCursor())
	}
	resumed, _ := e.mustPull(t, "companies", sink.Pages[0].Next)
	if got := keys[*record.Organization](resumed.Records()); !reflect.DeepEqual(got, []string{"29683504"}) {
		t.Errorf("resumed pull = %v, want only the company after the cursor", got)
	}
}

func TestResources_MapsUserAccounts(t *testing.T) {
	e := newEnv(t)
	sink, _ := e.mustPull(t, "resources", "")
	var got []record.UserAccount
	for _, r := range sink.Records() {
		u := *r.(*record.UserAccount)
		u.Raw = nil
		got = append(got, u)
	}
	want := []record.UserAccount{
		{Source: "autotask", SourceID: "29682885", Name: "Alice Smith", Email: "alice.smith@msp.example"},
		{Source: "autotask", SourceID: "29682886", Name: "Bob Jones", Email: "bob.jones@msp.example"},
		{Source: "autotask", SourceID: "29682887", Name: "Carol Davis", Email: "carol.davis@msp.example", Disabled: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("accounts = %+v\nwant %+v", got, want)
	}
}

func TestContacts_AuthorisedByField(t *testing.T) {
	tests := []struct {
		name  string
		field string
		want  map[string][2]bool // name → {Authorised, Active}
	}{
		{"user-defined field", "authorisation contact", map[string][2]bool{
			"Jane Doe": {true, true}, "Tom Reed": {false, true}, "Priya Shah": {true, true},
			"Omar Haddad": {true, true}, "Lena Ortiz": {true, false},
		}},
		{"no field: every active contact", "", map[string][2]bool{
			"Jane Doe": {true, true}, "Tom Reed": {true, true}, "Priya Shah": {true, true},
			"Omar Haddad": {true, true}, "Lena Ortiz": {false, false},
		}},
		{"field no contact has", "Approver", map[string][2]bool{
			"Jane Doe": {false, true}, "Tom Reed": {false, true}, "Priya Shah": {false, true},
			"Omar Haddad": {false, true}, "Lena Ortiz": {false, false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withConfig(func(c *config.Autotask) { c.ContactField = tt.field }))
			sink, _ := e.mustPull(t, "contacts", "")
			got := map[string][2]bool{}
			for _, r := range sink.Records() {
				c := r.(*record.Contact)
				got[c.Name] = [2]bool{c.Authorised, c.Active}
				if c.Name == "Jane Doe" && (c.SourceID != "30101" || c.CustomerRef != "29683501" || c.Email != "jane.doe@contoso.example") {
					t.Errorf("Jane Doe = %+v", c)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("contacts = %v, want %v", got, tt.want)
			}
		})
	}
}
