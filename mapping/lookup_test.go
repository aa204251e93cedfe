package mapping_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/custos-msp/custos/mapping"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// lookupWorld is what the lookup table test looks in.
type lookupWorld struct {
	contoso, fabrikam, northwind store.Customer
	bob                          store.Technician
	conPC, fabPC, onlyPC         store.Device
}

func seedLookup(t *testing.T, st *store.Store) lookupWorld {
	t.Helper()
	db := storetest.DB(ctx, st)
	w := lookupWorld{
		contoso:   store.Customer{Name: "Contoso Ltd", Key: "contoso", Status: store.CustomerActive},
		fabrikam:  store.Customer{Name: "Fabrikam GmbH & Co. KG", Key: "fabrikam", Status: store.CustomerActive},
		northwind: store.Customer{Name: "Northwind Traders", Key: "northwind traders", Status: store.CustomerActive},
		bob:       store.Technician{Name: "Bob Jones", Key: "bob jones"},
	}
	for _, row := range []any{&w.contoso, &w.fabrikam, &w.northwind, &w.bob} {
		if err := db.Create(row).Error; err != nil {
			t.Fatal(err)
		}
	}
	// Two customers each have a PC-001: the name alone cannot say which.
	w.conPC = store.Device{CustomerID: &w.contoso.ID, Name: "PC-001", HostKey: "pc001"}
	w.fabPC = store.Device{CustomerID: &w.fabrikam.ID, Name: "PC-001", HostKey: "pc001"}
	w.onlyPC = store.Device{CustomerID: &w.contoso.ID, Name: "CON-SRV01", HostKey: "consrv01"}
	for _, row := range []any{&w.conPC, &w.fabPC, &w.onlyPC} {
		if err := db.Create(row).Error; err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// TestFinder_Find is the lookup every command shares: authorise, backup, exclude,
// findings --customer, report --customer and map link all find names through it.
func TestFinder_Find(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := seedLookup(t, st)
		tests := []struct {
			name, kind, input string
			want              uint
			// notFound, suggestions and byID describe a *NotFoundError; ambiguous
			// the ids of an *AmbiguousError.
			notFound    bool
			suggestions []string
			byID        bool
			ambiguous   []uint
		}{
			{name: "exact", kind: store.LinkCustomer, input: "Contoso Ltd", want: w.contoso.ID},
			{name: "case", kind: store.LinkCustomer, input: "CONTOSO ltd", want: w.contoso.ID},
			{name: "spaces around", kind: store.LinkCustomer, input: "  Northwind Traders ", want: w.northwind.ID},
			{name: "punctuation", kind: store.LinkCustomer, input: "Contoso, Ltd.", want: w.contoso.ID},
			{name: "legal suffix dropped", kind: store.LinkCustomer, input: "contoso", want: w.contoso.ID},
			{name: "another legal suffix", kind: store.LinkCustomer, input: "Contoso Limited", want: w.contoso.ID},
			{name: "legal forms and ampersand", kind: store.LinkCustomer, input: "fabrikam gmbh", want: w.fabrikam.ID},
			{name: "id", kind: store.LinkCustomer, input: fmt.Sprint(w.fabrikam.ID), want: w.fabrikam.ID},
			{name: "id that does not exist", kind: store.LinkCustomer, input: "999", notFound: true, byID: true},
			{name: "unknown with suggestion", kind: store.LinkCustomer, input: "Contso", notFound: true, suggestions: []string{"Contoso Ltd"}},
			{name: "unknown, misspelt start suggests", kind: store.LinkCustomer, input: "Nortwind", notFound: true, suggestions: []string{"Northwind Traders"}},
			{name: "unknown prefix suggests", kind: store.LinkCustomer, input: "North", notFound: true, suggestions: []string{"Northwind Traders"}},
			{name: "unknown, nothing near", kind: store.LinkCustomer, input: "Tailspin Toys", notFound: true},
			{name: "technician, names in another order", kind: store.LinkTechnician, input: "jones, bob", want: w.bob.ID},
			{name: "technician typo", kind: store.LinkTechnician, input: "Bob Jnes", notFound: true, suggestions: []string{"Bob Jones"}},
			{name: "device host with domain", kind: store.LinkDevice, input: "con-srv01.contoso.local", want: w.onlyPC.ID},
			{name: "ambiguous device", kind: store.LinkDevice, input: "PC-001", ambiguous: []uint{w.conPC.ID, w.fabPC.ID}},
			{name: "ambiguous device by id", kind: store.LinkDevice, input: fmt.Sprint(w.fabPC.ID), want: w.fabPC.ID},
		}
		finder := mapping.NewFinder(st)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				m, err := finder.Find(ctx, tt.kind, tt.input)
				var notFound *mapping.NotFoundError
				var ambiguous *mapping.AmbiguousError
				switch {
				case tt.notFound:
					if !errors.As(err, &notFound) {
						t.Fatalf("Find(%q) = %+v, %v; want a *NotFoundError", tt.input, m, err)
					}
					if notFound.ByID != tt.byID || !slices.Equal(notFound.Suggestions, tt.suggestions) {
						t.Errorf("Find(%q): by id %v, suggestions %q; want %v, %q", tt.input, notFound.ByID, notFound.Suggestions, tt.byID, tt.suggestions)
					}
				case tt.ambiguous != nil:
					if !errors.As(err, &ambiguous) {
						t.Fatalf("Find(%q) = %+v, %v; want an *AmbiguousError", tt.input, m, err)
					}
					var ids []uint
					for _, c := range ambiguous.Candidates {
						ids = append(ids, c.ID)
					}
					if !slices.Equal(ids, tt.ambiguous) {
						t.Errorf("Find(%q) candidates %v, want %v", tt.input, ids, tt.ambiguous)
					}
				case err != nil || m.ID != tt.want:
					t.Errorf("Find(%q) = %+v, %v; want id %d", tt.input, m, err, tt.want)
				}
			})
		}
	})
}

func TestLookupErrors_SayWhatAndSuggest(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&mapping.NotFoundError{Kind: "customer", Name: "Contso", Suggestions: []string{"Contoso Ltd"}},
			`no customer is called "Contso"; did you mean "Contoso Ltd"?`},
		{&mapping.NotFoundError{Kind: "customer", Name: "Con", Suggestions: []string{"Contoso Ltd", "Conway Inc", "Cona"}},
			`no customer is called "Con"; did you mean "Contoso Ltd", "Conway Inc" or "Cona"?`},
		{&mapping.NotFoundError{Kind: "customer", Name: "Zeta"}, `no customer is called "Zeta"`},
		{&mapping.NotFoundError{Kind: "customer", Name: "999", ByID: true}, `no customer has id 999`},
		{&mapping.AmbiguousError{Kind: "device", Name: "PC-001", Candidates: []mapping.Match{{ID: 4, Name: "PC-001"}, {ID: 5, Name: "pc-001"}}},
			`2 devices are called "PC-001": "PC-001" (id 4), "pc-001" (id 5); give the id instead`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
	}
}

func TestCheckName_KnownSourcesOnly(t *testing.T) {
	known := []string{"itglue", "screenconnect", "dattormm", "autotask", "m365", "o365audit"}
	tests := []struct {
		source      string
		ok          bool
		suggestions []string
	}{
		{"dattormm", true, nil},
		{"datto", false, []string{"dattormm"}},
		{"ScreenConnect", false, []string{"screenconnect"}},
		{"itglu", false, []string{"itglue"}},
		{"psa", false, nil},
	}
	for _, tt := range tests {
		err := mapping.CheckName("source", tt.source, known)
		var notFound *mapping.NotFoundError
		switch {
		case tt.ok && err != nil:
			t.Errorf("CheckName(%q) = %v, want nil", tt.source, err)
		case !tt.ok && !errors.As(err, &notFound):
			t.Errorf("CheckName(%q) = %v, want a *NotFoundError", tt.source, err)
		case !tt.ok && !slices.Equal(notFound.Suggestions, tt.suggestions):
			t.Errorf("CheckName(%q) suggests %q, want %q", tt.source, notFound.Suggestions, tt.suggestions)
		}
	}
}
