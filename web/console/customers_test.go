package console

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/store"
)

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
	getJSON(t, tc, "viewer", "/api/v1/customers", &list)
	if len(list.Customers) < 2 || list.Paging.Total != int64(len(list.Customers)) {
		t.Fatalf("customers = %+v", list)
	}
	body := tc.page(t, "/customers")
	for _, cu := range list.Customers {
		open, err := tc.App.Store.CountFindings(t.Context(), store.FindingFilter{CustomerID: &cu.ID, Status: store.StatusOpen})
		if err != nil || int64(cu.OpenFindings) != open {
			t.Errorf("customer %d: %d open findings, the store counts %d (%v)", cu.ID, cu.OpenFindings, open, err)
		}
		if !strings.Contains(body, fmt.Sprintf(`<a href="/customers/%d">%s</a>`, cu.ID, cu.Name)) {
			t.Errorf("the page does not link customer %d", cu.ID)
		}
		if cu.LastRead == nil {
			t.Errorf("customer %d was never read, though the demo was synced", cu.ID)
		}
	}
	var second customersPage
	getJSON(t, tc, "viewer", "/api/v1/customers?per=1&page=2", &second)
	if len(second.Customers) != 1 || second.Customers[0].ID != list.Customers[1].ID || second.Paging.Total != list.Paging.Total {
		t.Errorf("page 2 of 1 = %+v, want customer %d of %d", second, list.Customers[1].ID, list.Paging.Total)
	}
}

func TestCustomer_TimelineSaysCoveredOrNotAndLinksItsFinding(t *testing.T) {
	tc := syncedConsole(t)
	var detail customerPage
	getJSON(t, tc, "viewer", "/api/v1/customers/1?per=500", &detail)
	if detail.Customer.ID != 1 || len(detail.Timeline) == 0 || detail.TimelineTotal != int64(len(detail.Timeline)) || len(detail.Coverage) == 0 {
		t.Fatalf("customer 1 = %+v", detail)
	}
	seen := map[string]bool{}
	for i, ev := range detail.Timeline {
		seen[ev.Coverage] = true
		if i > 0 && ev.Time.After(detail.Timeline[i-1].Time) {
			t.Errorf("access %d is after the one before it: the timeline is not newest first", ev.ID)
		}
	}
	if !seen[app.AccessCovered] || !seen[app.AccessUncovered] {
		t.Errorf("the demo's timeline shows %v, want covered and uncovered accesses", seen)
	}
	body := tc.page(t, "/customers/1?per=500")
	for _, want := range []string{"Covered", "Not covered", "Coverage per source", "GDAP relationships", "Devices and their backups"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page does not say %q", want)
		}
	}
	for _, ev := range detail.Timeline {
		if ev.FindingID != nil && !strings.Contains(body, fmt.Sprintf(`<a href="/findings/%d">finding %d</a>`, *ev.FindingID, *ev.FindingID)) {
			t.Errorf("the page does not link finding %d of access %d", *ev.FindingID, ev.ID)
		}
	}

	var page2 customerPage
	getJSON(t, tc, "viewer", "/api/v1/customers/1?per=2&page=2", &page2)
	if len(page2.Timeline) != 2 || page2.Timeline[0].ID != detail.Timeline[2].ID || page2.TimelinePaging.Total != detail.TimelineTotal {
		t.Errorf("page 2 of 2 = %+v, want accesses 3 and 4 of %d", page2.Timeline, detail.TimelineTotal)
	}
	if body := tc.page(t, "/customers/1?per=2&page=2"); !strings.Contains(body, `rel="next"`) || !strings.Contains(body, `rel="prev"`) {
		t.Error("page 2 of the timeline links neither the next nor the previous page")
	}
}

func TestCustomer_RefusesBadInputNamingTheField(t *testing.T) {
	tc := newTestConsole(t)
	for _, c := range []struct {
		target string
		status int
		field  string
	}{
		{"/api/v1/customers/acme", http.StatusBadRequest, "id"},
		{"/api/v1/customers/1?page=0", http.StatusBadRequest, "page"},
		{"/api/v1/customers?per=100000", http.StatusBadRequest, "per"},
		{"/api/v1/customers/99999", http.StatusNotFound, ""},
	} {
		w := tc.do(t, "viewer", http.MethodGet, c.target, nil)
		if e := errorOf(t, w); w.Code != c.status || e.Field != c.field {
			t.Errorf("GET %s: %d %+v, want %d naming %q", c.target, w.Code, e, c.status, c.field)
		}
		page := strings.Replace(c.target, "/api/v1", "", 1)
		if w := tc.do(t, "viewer", http.MethodGet, page, nil); w.Code != c.status {
			t.Errorf("GET %s: %d, want %d", page, w.Code, c.status)
		}
	}
}
