package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/demo"
)

// syncedConsole is a test console whose store holds the demo's data, synced and
// reconciled.
func syncedConsole(t *testing.T) *testConsole {
	t.Helper()
	tc := newTestConsole(t)
	if results, err := tc.App.Sync(t.Context(), ""); err != nil && !demo.Planted(results) {
		t.Fatal(err)
	}
	if _, err := tc.App.Reconcile(t.Context()); err != nil {
		t.Fatal(err)
	}
	return tc
}

// getJSON asks the API for target as a viewer and decodes the answer into v.
func (tc *testConsole) getJSON(t *testing.T, target string, v any) {
	t.Helper()
	w := tc.do(t, "viewer", http.MethodGet, target, nil)
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s: %d: %s", target, w.Code, w.Body)
	}
	if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
		t.Fatalf("GET %s: %v: %s", target, err, w.Body)
	}
}

// page asks for an HTML page as a viewer and returns its body.
func (tc *testConsole) page(t *testing.T, target string) string {
	t.Helper()
	w := tc.do(t, "viewer", http.MethodGet, target, nil)
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s: %d: %s", target, w.Code, w.Body)
	}
	return w.Body.String()
}

func TestCustomers_ListAndPageSayTheSame(t *testing.T) {
	tc := syncedConsole(t)
	var list customersPage
	tc.getJSON(t, "/api/v1/customers", &list)
	if len(list.Customers) == 0 || list.Paging.Total != int64(len(list.Customers)) {
		t.Fatalf("customers = %+v", list)
	}
	body := tc.page(t, "/customers")
	for _, cu := range list.Customers {
		if !strings.Contains(body, fmt.Sprintf(`<a href="/customers/%d">`, cu.ID)) {
			t.Errorf("the page does not link customer %d", cu.ID)
		}
	}
	var detail customerPage
	tc.getJSON(t, fmt.Sprintf("/api/v1/customers/%d", list.Customers[0].ID), &detail)
	t.Logf("%+v", detail)
	_ = app.AccessCovered
}
