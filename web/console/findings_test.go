package console

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/custos-msp/custos/findings"
	"github.com/custos-msp/custos/store"
)

// getJSON makes a GET as role and decodes the JSON answer into v, failing unless it
// is 200.
func getJSON(t *testing.T, tc *testConsole, role, target string, v any) {
	t.Helper()
	w := tc.do(t, role, http.MethodGet, target, nil)
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", target, w.Code, w.Body)
	}
	if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
		t.Fatalf("GET %s: %v\n%s", target, err, w.Body)
	}
}

// apiError is the JSON error body.
type apiError struct {
	Error Error `json:"error"`
}

// listed is the findings list as the API answers it.
type listed struct {
	Findings    []findingRow `json:"findings"`
	Total       int64        `json:"total"`
	Pages       int          `json:"pages"`
	NeverSynced bool         `json:"never_synced"`
	Filter      struct {
		Status string `json:"status"`
	} `json:"filter"`
}

func ids2s(fs []findingRow) []uint {
	out := make([]uint, len(fs))
	for i, f := range fs {
		out[i] = f.ID
	}
	return out
}

func TestFindingsList_FiltersAndPagesAsTheStoreSays(t *testing.T) {
	tc := syncedConsole(t)
	ctx := t.Context()
	all, err := tc.App.Findings(ctx, store.FindingFilter{})
	if err != nil || len(all) < 3 {
		t.Fatalf("the demo has %d findings (%v), want 3 or more", len(all), err)
	}
	open, err := tc.App.Findings(ctx, store.FindingFilter{Status: store.StatusOpen})
	if err != nil {
		t.Fatal(err)
	}
	some := open[0]
	customer := strconv.FormatUint(uint64(*some.CustomerID), 10)
	count := func(keep func(store.FindingView) bool) int64 {
		n := int64(0)
		for _, f := range all {
			if keep(f) {
				n++
			}
		}
		return n
	}
	for _, c := range []struct {
		query string
		want  int64
	}{
		{"", int64(len(open))},
		{"status=any", int64(len(all))},
		{"customer=" + customer, count(func(f store.FindingView) bool {
			return f.Status == store.StatusOpen && f.CustomerID != nil && *f.CustomerID == *some.CustomerID
		})},
		{"rule=" + some.Rule + "&status=any", count(func(f store.FindingView) bool { return f.Rule == some.Rule })},
		{"severity=" + string(some.Severity), count(func(f store.FindingView) bool { return f.Severity == some.Severity && f.Status == store.StatusOpen })},
		{"status=resolved", count(func(f store.FindingView) bool { return f.Status == store.StatusResolved })},
		{"older_than=1", 0},
		{"opened_after=2000-01-01&status=any", int64(len(all))},
	} {
		t.Run(c.query, func(t *testing.T) {
			var got listed
			getJSON(t, tc, "viewer", "/api/v1/findings?"+c.query, &got)
			if got.Total != c.want || int64(len(got.Findings)) != min(c.want, PageSize) {
				t.Errorf("%d findings, %d listed; want %d", got.Total, len(got.Findings), c.want)
			}
		})
	}

	// Pages of two cover the list once each, in the order of one whole page.
	var whole listed
	getJSON(t, tc, "viewer", "/api/v1/findings?status=any&sort=oldest", &whole)
	var paged []uint
	for page := 1; ; page++ {
		var p listed
		getJSON(t, tc, "viewer", "/api/v1/findings?status=any&sort=oldest&per=2&page="+strconv.Itoa(page), &p)
		if len(p.Findings) == 0 {
			break
		}
		paged = append(paged, ids2s(p.Findings)...)
	}
	if !slices.Equal(paged, ids2s(whole.Findings)) {
		t.Errorf("pages of two list %v, one page %v", paged, ids2s(whole.Findings))
	}

	// The page shows what the API lists.
	w := tc.do(t, "viewer", http.MethodGet, "/findings?customer="+customer, nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), template.HTMLEscapeString(some.Summary)) {
		t.Errorf("GET /findings?customer=%s: %d, lacks the summary %q", customer, w.Code, some.Summary)
	}
	if strings.Contains(w.Body.String(), `name="id"`) {
		t.Error("a viewer is offered boxes to tick for acknowledging")
	}
	if w := tc.do(t, "operator", http.MethodGet, "/findings", nil); !strings.Contains(w.Body.String(), `name="id" value="`+strconv.FormatUint(uint64(some.ID), 10)+`"`) {
		t.Error("an operator is not offered a box to tick for an open finding")
	}
}

func TestFindingsList_RefusesBadFiltersNamingTheField(t *testing.T) {
	tc := newTestConsole(t)
	for _, c := range []struct{ query, field string }{
		{"customer=Contoso", "customer"},
		{"technician=-3", "technician"},
		{"rule=ACCESS", "rule"},
		{"severity=urgent", "severity"},
		{"status=closed", "status"},
		{"opened_after=1+Dec", "opened_after"},
		{"opened_before=2026-13-01", "opened_before"},
		{"older_than=0", "older_than"},
		{"older_than=3&opened_before=2026-12-01", "older_than"},
		{"sort=name", "sort"},
		{"page=0", "page"},
	} {
		t.Run(c.query, func(t *testing.T) {
			w := tc.do(t, "viewer", http.MethodGet, "/api/v1/findings?"+c.query, nil)
			var e apiError
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || w.Code != http.StatusBadRequest || e.Error.Field != c.field {
				t.Errorf("API: %d %s, want 400 naming %s", w.Code, w.Body, c.field)
			}
			w = tc.do(t, "viewer", http.MethodGet, "/findings?"+c.query, nil)
			if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), c.field+":") {
				t.Errorf("page: %d, want 400 naming %s", w.Code, c.field)
			}
		})
	}
}

func TestFindingsList_NeverSyncedIsNotAllClear(t *testing.T) {
	tc := newTestConsole(t)
	var got listed
	getJSON(t, tc, "viewer", "/api/v1/findings", &got)
	if !got.NeverSynced || got.Total != 0 || got.Filter.Status != store.StatusOpen {
		t.Errorf("an unsynced store: %+v, want never_synced, no findings, the open ones asked for", got)
	}
	body := tc.do(t, "viewer", http.MethodGet, "/findings", nil).Body.String()
	if !strings.Contains(body, "Nothing has been synced yet") || strings.Contains(body, "No findings match") {
		t.Errorf("the page of an unsynced store does not say that nothing was read:\n%s", body)
	}
}

// acked is a bulk acknowledgement as the API answers it.
type acked struct {
	Acknowledged []uint `json:"acknowledged"`
	Refused      []struct {
		ID     uint   `json:"id"`
		Reason string `json:"reason"`
	} `json:"refused"`
}

func TestAcknowledgeFindings_AcknowledgesEachAndSaysWhatWasRefused(t *testing.T) {
	tc := syncedConsole(t)
	ctx := t.Context()
	open, err := tc.App.Findings(ctx, store.FindingFilter{Status: store.StatusOpen})
	if err != nil || len(open) < 4 {
		t.Fatalf("the demo has %d open findings (%v), want 4 or more", len(open), err)
	}
	id := func(i int) string { return strconv.FormatUint(uint64(open[i].ID), 10) }
	if _, _, err := tc.App.Triage(ctx, id(2), findings.Resolved, "kim", "done already", ""); err != nil {
		t.Fatal(err)
	}

	// Bad input changes nothing.
	for _, c := range []struct {
		form  url.Values
		field string
	}{
		{url.Values{"id": {id(0)}}, "note"},
		{url.Values{"note": {"x"}}, "id"},
		{url.Values{"id": {"seven"}, "note": {"x"}}, "id"},
	} {
		w := tc.do(t, "operator", http.MethodPost, "/api/v1/findings/acknowledge", c.form)
		var e apiError
		if _ = json.Unmarshal(w.Body.Bytes(), &e); w.Code != http.StatusBadRequest || e.Error.Field != c.field {
			t.Errorf("%v: %d %s, want 400 naming %s", c.form, w.Code, w.Body, c.field)
		}
	}
	if n, _ := tc.App.Store.CountFindings(ctx, store.FindingFilter{Status: store.StatusAcknowledged}); n != 0 {
		t.Fatalf("refused requests acknowledged %d findings", n)
	}

	// Through the API: two acknowledged, the resolved one and a missing one refused.
	before := len(tc.Audit.all())
	w := tc.do(t, "operator", http.MethodPost, "/api/v1/findings/acknowledge",
		url.Values{"id": {id(0), id(1), id(2), "999999"}, "note": {"ticket 4411"}})
	var got acked
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if !slices.Equal(got.Acknowledged, []uint{open[0].ID, open[1].ID}) || len(got.Refused) != 2 ||
		got.Refused[0].ID != open[2].ID || !strings.Contains(got.Refused[0].Reason, "it is resolved (by kim), not open") ||
		got.Refused[1].Reason != "there is no such finding" {
		t.Errorf("answer %+v", got)
	}
	for _, i := range []int{0, 1} {
		f, err := tc.App.Finding(ctx, open[i].ID)
		if err != nil || f.Status != store.StatusAcknowledged || f.StatusReason != "ticket 4411" || f.StatusBy != "Test operator" {
			t.Errorf("finding %d after: %s by %s: %s (%v)", f.ID, f.Status, f.StatusBy, f.StatusReason, err)
		}
	}
	changes := tc.Audit.all()[before:]
	if len(changes) != 1 || changes[0].Action != "acknowledgeFindings" || changes[0].Outcome != "" ||
		changes[0].Target != "findings "+id(0)+", "+id(1)+", "+id(2)+", 999999" ||
		!strings.Contains(changes[0].Detail, "note: ticket 4411; acknowledged: "+id(0)+", "+id(1)+"; refused "+id(2)+": it is resolved") {
		t.Errorf("audit entries %+v", changes)
	}

	// Through the form: all acknowledged goes back to the list with a notice; one
	// refused shows what was refused.
	back := url.Values{"rule": {open[3].Rule}, "page": {"1"}}.Encode()
	w = tc.do(t, "operator", http.MethodPost, "/findings/acknowledge", url.Values{"id": {id(3)}, "note": {"on it"}, "back": {back}})
	if loc := w.Header().Get("Location"); w.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/findings?") ||
		!strings.Contains(loc, "rule="+open[3].Rule) || !strings.Contains(loc, "done=1+finding") {
		t.Errorf("form: %d to %q, want 303 back to the list with a notice", w.Code, loc)
	}
	w = tc.do(t, "operator", http.MethodPost, "/findings/acknowledge", url.Values{"id": {id(3)}, "note": {"again"}, "back": {"//evil.example/x"}})
	if body := w.Body.String(); w.Code != http.StatusOK || !strings.Contains(body, "Not acknowledged") ||
		!strings.Contains(body, "it is acknowledged (by Test operator), not open") || strings.Contains(body, "evil.example") {
		t.Errorf("form with a refusal: %d\n%s", w.Code, body)
	}
}
