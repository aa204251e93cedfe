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

	"github.com/custos-msp/custos/store"
)

// shown is a finding's page as the API answers it.
type shown struct {
	Finding struct {
		findingRow
		StatusReason string   `json:"status_reason"`
		EvidenceRefs []string `json:"evidence_refs"`
	} `json:"finding"`
	Evidence []struct {
		Ref   string `json:"ref"`
		Event *struct {
			Actor     string `json:"actor"`
			Operation string `json:"operation"`
			Decision  string `json:"decision"`
		} `json:"event"`
	} `json:"evidence"`
	Explain string         `json:"explain"`
	History []historyEntry `json:"history"`
	Actions []string       `json:"actions"`
}

// accessFinding is an open ACCESS-UNAUTHORISED finding of the demo, which cites
// access events.
func accessFinding(t *testing.T, tc *testConsole) store.FindingView {
	t.Helper()
	fs, err := tc.App.Findings(t.Context(), store.FindingFilter{Rule: "ACCESS-UNAUTHORISED", Status: store.StatusOpen})
	if err != nil || len(fs) == 0 {
		t.Fatalf("the demo has no open ACCESS-UNAUTHORISED finding (%v)", err)
	}
	return fs[0]
}

func TestFindingPage_ShowsEvidenceHistoryAndExplanation(t *testing.T) {
	tc := syncedConsole(t)
	f := accessFinding(t, tc)
	id := strconv.FormatUint(uint64(f.ID), 10)
	var got shown
	getJSON(t, tc, "viewer", "/api/v1/findings/"+id, &got)
	if got.Finding.ID != f.ID || got.Finding.Summary != f.Summary || got.Finding.Status != store.StatusOpen || got.Finding.Customer != f.CustomerName {
		t.Errorf("finding %+v, want %d %q", got.Finding, f.ID, f.Summary)
	}
	if len(got.Evidence) == 0 || got.Evidence[0].Event == nil || got.Evidence[0].Event.Actor == "" || got.Evidence[0].Event.Decision == "" ||
		len(got.Finding.EvidenceRefs) != len(got.Evidence) {
		t.Errorf("evidence %+v, want the access events it cites, with their actors and decisions", got.Evidence)
	}
	if !strings.HasPrefix(got.Explain, "Finding "+id) || !strings.Contains(got.Explain, "access event(s) behind it") {
		t.Errorf("explain:\n%s", got.Explain)
	}
	if len(got.History) == 0 || got.History[0].Actor != "custos" || got.History[0].Action != "opened" {
		t.Errorf("history %+v, want custos opened first", got.History)
	}
	if !slices.Equal(got.Actions, []string{"acknowledge", "assign", "comment", "resolve"}) {
		t.Errorf("actions %v", got.Actions)
	}

	for _, c := range []struct {
		role  string
		forms bool
	}{{"viewer", false}, {"auditor", false}, {"operator", true}} {
		w := tc.do(t, c.role, http.MethodGet, "/findings/"+id, nil)
		body := w.Body.String()
		if w.Code != http.StatusOK || !strings.Contains(body, template.HTMLEscapeString(f.Summary)) || !strings.Contains(body, "<pre>Finding "+id) ||
			!strings.Contains(body, got.Evidence[0].Ref) {
			t.Errorf("%s: GET /findings/%s: %d, lacks the summary, the explanation or the evidence", c.role, id, w.Code)
		}
		if has := strings.Contains(body, `action="/findings/`+id+`/acknowledge"`); has != c.forms {
			t.Errorf("%s: offered the acknowledge form: %v, want %v", c.role, has, c.forms)
		}
		if strings.Contains(body, `action="/findings/`+id+`/reopen"`) {
			t.Errorf("%s: offered to re-open an open finding", c.role)
		}
	}

	for _, c := range []struct {
		target string
		status int
		field  string
	}{
		{"/api/v1/findings/999999", http.StatusNotFound, ""},
		{"/api/v1/findings/abc", http.StatusBadRequest, "id"},
		{"/findings/999999", http.StatusNotFound, ""},
	} {
		w := tc.do(t, "viewer", http.MethodGet, c.target, nil)
		var e apiError
		_ = json.Unmarshal(w.Body.Bytes(), &e)
		if w.Code != c.status || e.Error.Field != c.field {
			t.Errorf("GET %s: %d %s, want %d naming %q", c.target, w.Code, w.Body, c.status, c.field)
		}
	}
}

func TestFindingTriage_AsTheCLIDoesWithTheReasonOfARefusal(t *testing.T) {
	tc := syncedConsole(t)
	f := accessFinding(t, tc)
	id := strconv.FormatUint(uint64(f.ID), 10)
	api := "/api/v1/findings/" + id + "/"
	for _, s := range []struct {
		path   string
		form   url.Values
		status int
		// want is, for a change made, "status by reason, assignee"; for a refusal,
		// the error's field or words.
		want string
	}{
		{api + "acknowledge", url.Values{}, http.StatusBadRequest, "note"},
		{api + "acknowledge", url.Values{"note": {"ticket 4411"}}, http.StatusOK, "acknowledged by Test operator: ticket 4411, "},
		{api + "acknowledge", url.Values{"note": {"again"}}, http.StatusConflict, "cannot be acknowledged: it is acknowledged (by Test operator), not open"},
		{api + "assign", url.Values{"note": {"x"}}, http.StatusBadRequest, "to"},
		{api + "assign", url.Values{"to": {"Bob Jones"}}, http.StatusOK, "acknowledged by Test operator: ticket 4411, Bob Jones"},
		{api + "comment", url.Values{"note": {"customer will confirm"}}, http.StatusOK, "acknowledged by Test operator: ticket 4411, Bob Jones"},
		{api + "resolve", url.Values{"note": {"confirmed in writing"}}, http.StatusOK, "resolved by Test operator: confirmed in writing, Bob Jones"},
		{api + "resolve", url.Values{"note": {"twice"}}, http.StatusConflict, "it is already resolved (by Test operator)"},
		{api + "reopen", url.Values{"note": {"the customer disputes it"}}, http.StatusOK, "open by Test operator: the customer disputes it, Bob Jones"},
		{"/api/v1/findings/999999/comment", url.Values{"note": {"x"}}, http.StatusNotFound, "finding 999999: not found"},
	} {
		before := len(tc.Audit.all())
		w := tc.do(t, "operator", http.MethodPost, s.path, s.form)
		if w.Code != s.status {
			t.Errorf("POST %s %v: %d %s, want %d", s.path, s.form, w.Code, w.Body, s.status)
			continue
		}
		if s.status == http.StatusOK {
			var got shown
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			g := got.Finding
			if state := g.Status + " by " + g.StatusBy + ": " + g.StatusReason + ", " + g.Assignee; state != s.want {
				t.Errorf("POST %s: finding %s, want %s", s.path, state, s.want)
			}
		} else {
			var e apiError
			_ = json.Unmarshal(w.Body.Bytes(), &e)
			if e.Error.Field != s.want && !strings.Contains(e.Error.Message, s.want) {
				t.Errorf("POST %s: %+v, want it to name %q", s.path, e.Error, s.want)
			}
		}
		changes := tc.Audit.all()[before:]
		if len(changes) != 1 || !strings.HasPrefix(changes[0].Target, "finding ") || (changes[0].Outcome == "") != (s.status == http.StatusOK) ||
			!strings.Contains(changes[0].Detail, "note: "+s.form.Get("note")) {
			t.Errorf("POST %s: audit %+v", s.path, changes)
		}
	}
	history, err := tc.App.FindingHistory(t.Context(), f.ID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range history {
		actions = append(actions, e.Actor+" "+e.Action)
	}
	want := "custos opened, Test operator acknowledged, Test operator assigned, Test operator commented, Test operator resolved, Test operator reopened"
	if got := strings.Join(actions, ", "); got != want {
		t.Errorf("history %s\nwant %s", got, want)
	}

	// A form goes back to the finding's page with a notice; a refusal is shown as a
	// page with the reason.
	w := tc.do(t, "operator", http.MethodPost, "/findings/"+id+"/acknowledge", url.Values{"note": {"back on it"}})
	if loc := w.Header().Get("Location"); w.Code != http.StatusSeeOther || loc != "/findings/"+id+"?done=Finding+"+id+"+acknowledged" {
		t.Errorf("form: %d to %q", w.Code, loc)
	}
	w = tc.do(t, "operator", http.MethodPost, "/findings/"+id+"/acknowledge", url.Values{"note": {"x"}})
	if w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "cannot be acknowledged: it is acknowledged") {
		t.Errorf("form refused: %d\n%s", w.Code, w.Body)
	}
}
