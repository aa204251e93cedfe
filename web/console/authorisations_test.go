package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/store"
)

// unauthorisedAccess finds, on a demo customer's timeline, an access that no
// authorisation of the customer covered for its technician, that a finding cites
// and that an authorisation of any scope would cover (no removal).
func unauthorisedAccess(t *testing.T, tc *testConsole) (uint, app.TimelineEvent) {
	t.Helper()
	var list customersPage
	getJSON(t, tc, "viewer", "/api/v1/customers", &list)
	for _, cu := range list.Customers {
		var detail customerPage
		getJSON(t, tc, "viewer", fmt.Sprintf("/api/v1/customers/%d?per=500", cu.ID), &detail)
		for _, ev := range detail.Timeline {
			if ev.Coverage == app.AccessUncovered && ev.FindingID != nil && strings.HasPrefix(ev.Decision, "no authorisation of this customer for "+ev.Actor+" ") &&
				!strings.Contains(ev.Decision, "backup") { // a removal needs a backup or a removal authorisation
				return cu.ID, ev
			}
		}
	}
	t.Fatal("the demo has no access without an authorisation of its technician")
	return 0, app.TimelineEvent{}
}

// post sends a form (or, with file set, a multipart form with that file) as role,
// with the session's CSRF token.
func (tc *testConsole) post(t *testing.T, role, target string, form url.Values, file map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	if file == nil {
		return tc.do(t, role, http.MethodPost, target, form)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField(CSRFField, testCSRF)
	for k, vs := range form {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for name, content := range file {
		fw, _ := mw.CreateFormFile("file", name)
		_, _ = fw.Write([]byte(content))
	}
	_ = mw.Close()
	r := httptest.NewRequest(http.MethodPost, target, &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set(roleHeader, role)
	return recordServe(tc, r)
}

// errorOf decodes an API error.
func errorOf(t *testing.T, w *httptest.ResponseRecorder) Error {
	t.Helper()
	var body struct{ Error Error }
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("%d %s: %v", w.Code, w.Body, err)
	}
	return body.Error
}

func TestAuthorisations_AddingOneResolvesTheFindingItCovers(t *testing.T) {
	tc := syncedConsole(t)
	customer, ev := unauthorisedAccess(t, tc)
	form := url.Values{
		"customer": {fmt.Sprint(customer)}, "technician": {ev.Actor}, "device": {"any"}, "scope": {"any"},
		"valid_from": {ev.Time.Add(-time.Hour).Format(time.RFC3339)}, "standing": {"1"},
		"granted_by": {"Jane Doe"}, "evidence": {"T20261207.0001"},
	}
	w := tc.post(t, "operator", "/authorisations", form, nil)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("adding: %d: %s", w.Code, w.Body)
	}
	loc, _ := url.Parse(w.Header().Get("Location"))
	notice := loc.Query().Get("done")
	if loc.Path != "/authorisations" || loc.Query().Get("customer") != fmt.Sprint(customer) || !strings.Contains(notice, "resolved") {
		t.Errorf("redirected to %s (notice %q), want the customer's authorisations saying what resolved", loc, notice)
	}
	f, err := tc.App.Store.FindingByRef(t.Context(), fmt.Sprint(*ev.FindingID))
	if err != nil || f.Status != store.StatusResolved {
		t.Errorf("finding %d is %q (%v), want resolved", *ev.FindingID, f.Status, err)
	}
	var detail customerPage
	getJSON(t, tc, "viewer", fmt.Sprintf("/api/v1/customers/%d?per=500", customer), &detail)
	for _, e := range detail.Timeline {
		// Recorded after the access began, the authorisation covers it afterwards.
		if e.ID == ev.ID && e.Coverage != app.AccessAuthorisedLate {
			t.Errorf("access %d is %s after the authorisation, want authorised_late: %s", e.ID, e.Coverage, e.Decision)
		}
	}
	page := tc.page(t, fmt.Sprintf("/customers/%d?per=500", customer))
	if !strings.Contains(page, "T20261207.0001") || !strings.Contains(page, "Authorised late") {
		t.Error("the customer's page does not list the new authorisation, or does not say the access was authorised late")
	}
	changes := tc.Audit.all()
	last := changes[len(changes)-1]
	if !strings.HasPrefix(last.Target, "authorisation ") || !strings.Contains(last.Detail, "technician="+ev.Actor) || last.Outcome != "" || last.Action != "addAuthorisation" {
		t.Errorf("audit entry = %+v", last)
	}
}

func TestAuthorisations_APIAddsListsAndRevokes(t *testing.T) {
	tc := syncedConsole(t)
	customer, ev := unauthorisedAccess(t, tc)
	form := url.Values{
		"customer": {fmt.Sprint(customer)}, "technician": {ev.Actor}, "device": {"any"}, "scope": {"any"},
		"valid_from": {ev.Time.Add(-time.Hour).UTC().Format("2006-01-02 15:04")}, "valid_to": {ev.Time.Add(time.Hour).UTC().Format("2006-01-02 15:04")},
		"granted_by": {"Jane Doe"}, "evidence": {"T1"},
	}
	w := tc.post(t, "operator", "/api/v1/authorisations", form, nil)
	var added authorisationChange
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &added) != nil || added.ID == 0 {
		t.Fatalf("adding: %d: %s", w.Code, w.Body)
	}
	resolved := false
	for _, ch := range added.Changes {
		resolved = resolved || (ch.FindingID == *ev.FindingID && ch.Kind == "resolve")
	}
	if !resolved {
		t.Errorf("changes = %+v, want finding %d resolved", added.Changes, *ev.FindingID)
	}

	var list authorisationsPage
	getJSON(t, tc, "viewer", fmt.Sprintf("/api/v1/authorisations?customer=%d&all=1", customer), &list)
	found := false
	for _, a := range list.Authorisations {
		found = found || (a.ID == added.ID && a.Evidence == "T1" && a.Technician == ev.Actor)
	}
	if !found || list.Paging.Total != int64(len(list.Authorisations)) {
		t.Errorf("the list %+v does not hold authorisation %d", list, added.ID)
	}

	revoke := fmt.Sprintf("/api/v1/authorisations/%d/revoke", added.ID)
	if w := tc.post(t, "operator", revoke, url.Values{}, nil); w.Code != http.StatusBadRequest || errorOf(t, w).Field != "reason" {
		t.Errorf("revoking without a reason: %d %s, want 400 naming reason", w.Code, w.Body)
	}
	if w := tc.post(t, "operator", revoke, url.Values{"reason": {"granted in error"}}, nil); w.Code != http.StatusOK {
		t.Fatalf("revoking: %d %s", w.Code, w.Body)
	}
	if w := tc.post(t, "operator", revoke, url.Values{"reason": {"again"}}, nil); w.Code != http.StatusConflict {
		t.Errorf("revoking twice: %d %s, want 409", w.Code, w.Body)
	}
	if w := tc.post(t, "operator", "/api/v1/authorisations/99999/revoke", url.Values{"reason": {"x"}}, nil); w.Code != http.StatusNotFound {
		t.Errorf("revoking what does not exist: %d %s, want 404", w.Code, w.Body)
	}
	getJSON(t, tc, "viewer", fmt.Sprintf("/api/v1/authorisations?customer=%d&all=1", customer), &list)
	for _, a := range list.Authorisations {
		if a.ID == added.ID && (a.Status != "revoked" || a.RevokeReason != "granted in error" || a.RevokedBy != "Test operator") {
			t.Errorf("revoked authorisation = %+v", a)
		}
	}
	getJSON(t, tc, "viewer", fmt.Sprintf("/api/v1/authorisations?customer=%d", customer), &list)
	for _, a := range list.Authorisations {
		if a.ID == added.ID {
			t.Errorf("the list of those in force holds revoked authorisation %d", a.ID)
		}
	}
}

func TestAuthorisations_RefuseBadInputNamingTheField(t *testing.T) {
	tc := syncedConsole(t)
	good := url.Values{"customer": {"1"}, "technician": {"any"}, "device": {"any"}, "scope": {"remote"},
		"valid_from": {"2026-11-21 09:00"}, "valid_to": {"2026-11-21 17:00"}, "granted_by": {"Jane Doe"}, "evidence": {"T1"}}
	with := func(k, v string) url.Values { return withField(good, k, v) }
	for _, c := range []struct {
		name  string
		form  url.Values
		field string
	}{
		{"no technician", with("technician", ""), "technician"},
		{"no evidence", with("evidence", ""), "evidence"},
		{"an unknown technician", with("technician", "Nobody Atall"), "technician"},
		{"an unknown customer", with("customer", "99999"), "customer"},
		{"a scope that is none", with("scope", "everything"), "scope"},
		{"a start that is no date", with("valid_from", "tomorrow"), "valid_from"},
		{"an end before the start", with("valid_to", "2026-11-20"), "valid_to"},
		{"no end", with("valid_to", ""), "valid_to"},
		{"an end and standing", with("standing", "1"), "valid_to"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := tc.post(t, "operator", "/api/v1/authorisations", c.form, nil)
			if e := errorOf(t, w); w.Code != http.StatusBadRequest || e.Field != c.field || !strings.Contains(e.Message, c.field) {
				t.Errorf("API: %d %+v, want 400 naming %s", w.Code, e, c.field)
			}
			w = tc.post(t, "operator", "/authorisations", c.form, nil)
			body := w.Body.String()
			if w.Code != http.StatusBadRequest || !strings.Contains(body, "Nothing was changed. "+c.field) {
				t.Errorf("form: %d, want 400 naming %s: %s", w.Code, c.field, body)
			}
			if !strings.Contains(body, `name="granted_by" value="Jane Doe"`) {
				t.Error("the form shown again lost the values given")
			}
		})
	}
	changes := tc.Audit.all()
	if last := changes[len(changes)-1]; !strings.HasPrefix(last.Outcome, "refused") || last.Target != "authorisation" {
		t.Errorf("the refused change's audit entry = %+v", last)
	}
}

func TestAuthorisations_ImportAllOrNothingNamingLineAndColumn(t *testing.T) {
	tc := syncedConsole(t)
	var list customersPage
	getJSON(t, tc, "viewer", "/api/v1/customers", &list)
	name := list.Customers[0].Name
	good := "customer,technician,device,scope,valid_from,valid_to,granted_by,evidence\n" +
		name + ",,,remote,2026-11-01 09:00,2026-11-01 17:00,Jane Doe,T1\n" +
		name + ",any,any,admin,2026-11-02,,Jane Doe,T2\n"
	bad := "customer,technician,device,scope,valid_from,granted_by\n" +
		name + ",,,remote,2026-11-01 09:00,Jane Doe\n" +
		name + ",,,teleport,2026-11-01 09:00,Jane Doe\n"

	w := tc.post(t, "operator", "/api/v1/authorisations/import", nil, map[string]string{"bad.csv": bad})
	e := errorOf(t, w)
	if w.Code != http.StatusBadRequest || e.Field != "file" || !strings.Contains(e.Message, "line 3") || !strings.Contains(e.Message, "column scope") {
		t.Errorf("importing a bad file: %d %+v, want 400 naming line 3, column scope", w.Code, e)
	}
	w = tc.post(t, "operator", "/authorisations/import", nil, map[string]string{"good.csv": good})
	if loc := w.Header().Get("Location"); w.Code != http.StatusSeeOther || !strings.Contains(loc, "Imported+2+new") {
		t.Errorf("importing: %d to %q, want 303 saying 2 were imported: %s", w.Code, loc, w.Body)
	}
	w = tc.post(t, "operator", "/api/v1/authorisations/import", nil, map[string]string{"good.csv": good})
	var again authorisationChange
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &again) != nil || again.Imported != 0 {
		t.Errorf("importing the same file again: %d %s, want 0 new", w.Code, w.Body)
	}
	if w := tc.post(t, "operator", "/api/v1/authorisations/import", url.Values{"x": {"1"}}, map[string]string{}); w.Code != http.StatusBadRequest || errorOf(t, w).Field != "file" {
		t.Errorf("importing no file: %d %s, want 400 naming file", w.Code, w.Body)
	}
}

// withField is a copy of form with field set to value, or removed when value is empty.
func withField(form url.Values, field, value string) url.Values {
	f := url.Values{}
	for k, vs := range form {
		f[k] = vs
	}
	if value == "" {
		f.Del(field)
	} else {
		f.Set(field, value)
	}
	return f
}
