package main

import (
	"bytes"
	"context"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// TestDemo_NoPersonalDataInClear syncs and reconciles the demo, reads every value of
// every column the data inventory says is sealed (through the store, so in clear),
// and scans the database file and its write-ahead log for each: none may appear.
// The planted names, sign-in names, e-mail addresses and IP addresses of the fake
// vendors must be among the values read, so the scan cannot pass by reading nothing.
func TestDemo_NoPersonalDataInClear(t *testing.T) {
	_, db := demoStore(t)
	st := openTestStore(t, db)
	planted := []string{
		"Alice Smith", "Bob Jones", "alice.smith@msp.example", "bob.jones@msp.example", // technicians
		"Priya Shah",          // a customer's authorisation contact
		"ceo@contoso.example", // a customer's user, whose mailbox was opened
		"203.0.113.10",        // a session's source address
	}
	values := sealedValues(t, st)
	for _, p := range planted {
		if !slices.ContainsFunc(slices.Collect(maps.Keys(values)), func(v string) bool { return strings.Contains(v, p) }) {
			t.Errorf("no sealed value holds %q: the demo no longer plants it, or it is kept in a column the inventory does not seal", p)
		}
		values[p] = true
	}
	_ = st.Close()

	var file []byte
	for _, path := range []string{db, db + "-wal"} {
		b, err := os.ReadFile(path)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		file = append(file, b...)
	}
	var clear []string
	for v := range values {
		if len(v) >= 6 && bytes.Contains(file, []byte(v)) {
			clear = append(clear, v)
		}
	}
	slices.Sort(clear)
	if len(clear) > 0 {
		t.Errorf("%d of %d personal values are readable in the database file: %q", len(clear), len(values), clear)
	}
	t.Logf("scanned %d bytes for %d personal values", len(file), len(values))
}

// sealedValues reads, in clear, every non-empty value of every column the data
// inventory marks sealed and the personal serializers seal.
func sealedValues(t *testing.T, st *store.Store) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, table := range store.Tables() {
		for _, p := range table.InventoryOf().Personal {
			if !p.Sealed || p.BoundToColumn {
				continue
			}
			q := storetest.DB(context.Background(), st).Table(table.Name).Select(p.Column + " AS value").Where(p.Column + " <> ''")
			if p.Only != "" {
				q = q.Where(p.Only)
			}
			var rows []struct {
				Value string `gorm:"serializer:personal"`
			}
			if err := q.Scan(&rows).Error; err != nil {
				t.Fatalf("reading %s.%s: %v", table.Name, p.Column, err)
			}
			for _, r := range rows {
				out[r.Value] = true
			}
		}
	}
	return out
}
