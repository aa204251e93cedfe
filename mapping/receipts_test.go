package mapping_test

import (
	"slices"
	"testing"

	"github.com/custos-msp/custos/mapping"
	"github.com/custos-msp/custos/store"
)

func TestCustomerReceipts_ByIDElseByName(t *testing.T) {
	id := func(n uint) *uint { return &n }
	contoso := store.Customer{ID: 1, Name: "Contoso Ltd"}
	receipts := []store.ReportReceipt{
		{ID: 1, CustomerRef: "Contoso Ltd.", Month: "2026-10"},                   // not tied: by name
		{ID: 2, CustomerRef: "Contoso", Month: "2026-10", CustomerID: id(1)},     // tied to Contoso
		{ID: 3, CustomerRef: "Contoso Ltd", Month: "2026-10", CustomerID: id(2)}, // tied to another customer
		{ID: 4, CustomerRef: "Fabrikam Inc", Month: "2026-10"},                   // another name
		{ID: 5, CustomerRef: "CONTOSO LIMITED", Month: "2026-09"},                // another month
		{ID: 6, CustomerRef: "Alias Co", Month: "2026-10", CustomerID: id(1)},    // tied, whatever its name
	}
	tests := []struct {
		name     string
		customer store.Customer
		month    string
		want     []uint
	}{
		{"tied or named", contoso, "2026-10", []uint{1, 2, 6}},
		{"another month", contoso, "2026-09", []uint{5}},
		{"tied to the other customer", store.Customer{ID: 2, Name: "Northwind"}, "2026-10", []uint{3}},
		{"named only", store.Customer{ID: 3, Name: "Fabrikam, Inc."}, "2026-10", []uint{4}},
		{"nothing", store.Customer{ID: 4, Name: "Woodgrove Bank"}, "2026-10", nil},
		{"no name matches nothing untied", store.Customer{ID: 5}, "2026-10", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []uint
			for _, rc := range mapping.CustomerReceipts(receipts, tt.customer, tt.month) {
				got = append(got, rc.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("receipts = %v, want %v", got, tt.want)
			}
		})
	}
}
