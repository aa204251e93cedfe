package store_test

import (
	"strings"
	"testing"

	"github.com/custos-msp/custos/store"
)

// TestInventory_ClassifiesEveryColumn fails when a model gains a column that the
// record of processing does not call personal or plain, or when the inventory names
// a column no table has.
func TestInventory_ClassifiesEveryColumn(t *testing.T) {
	problems, err := store.InventoryProblems()
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Errorf("the data inventory (store/inventory.go) is out of date:\n  %s", strings.Join(problems, "\n  "))
	}
}

// TestInventory_PersonalColumnsSayWhy checks that each personal column names its
// categories and why it is kept.
func TestInventory_PersonalColumnsSayWhy(t *testing.T) {
	for _, tb := range store.Tables() {
		inv := tb.InventoryOf()
		if inv.About == "" {
			t.Errorf("%s: the inventory does not say whose data it holds", tb.Name)
		}
		for _, p := range inv.Personal {
			if len(p.Categories) == 0 || p.Why == "" {
				t.Errorf("%s.%s: personal, but without categories or a reason", tb.Name, p.Column)
			}
		}
	}
}
