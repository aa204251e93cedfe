package console

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/web/auth"
)

func TestAuditTrail_PageAndAPIFilterAndPage(t *testing.T) {
	tc := newTestConsole(t)
	dana := auth.Principal{Subject: "oid-dana", Name: "dana@msp.example", Role: auth.Operator, Via: auth.ViaSession}
	day := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	for i, c := range []auth.Change{
		{Action: "auth.signin", Target: "console"},
		{Action: "acknowledgeFindings", Target: "finding 42", Detail: "called the customer"},
		{Action: "acknowledgeFindings", Target: "finding 43", Outcome: "refused: this needs the operator role; you have viewer"},
		{Action: "auth.signout", Target: "console"},
	} {
		c.At, c.By, c.From = day.Add(time.Duration(i)*24*time.Hour), dana, "198.51.100.23"
		if err := tc.App.RecordChange(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
	api := func(query string) (int, auditView) {
		t.Helper()
		w := tc.do(t, "viewer", http.MethodGet, "/api/v1/audit"+query, nil)
		var v auditView
		if w.Code == http.StatusOK {
			if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
				t.Fatal(err)
			}
		}
		return w.Code, v
	}
	targets := func(v auditView) string {
		var out []string
		for _, e := range v.Entries {
			out = append(out, e.Target)
		}
		return strings.Join(out, ",")
	}
	tests := []struct {
		query, want string
		more        bool
	}{
		{"", "console,finding 43,finding 42,console", false},
		{"?action=acknowledgeFindings", "finding 43,finding 42", false},
		{"?from=2026-11-03&to=2026-11-04", "finding 43,finding 42", false},
		{"?to=2026-11-02", "console", false},
		{"?per=3", "console,finding 43,finding 42", true},
		{"?per=3&page=2", "console", false},
	}
	for _, tt := range tests {
		status, v := api(tt.query)
		if status != http.StatusOK || targets(v) != tt.want || v.More != tt.more {
			t.Errorf("%s: HTTP %d, %s (more %v); want %s (more %v)", tt.query, status, targets(v), v.More, tt.want, tt.more)
		}
	}
	_, v := api("?action=acknowledgeFindings")
	e := v.Entries[1]
	if e.Name != "dana@msp.example" || e.Role != "operator" || e.Via != "session" || e.From != "198.51.100.23" ||
		e.Detail != "called the customer" || e.Outcome != "" || !e.At.Equal(day.Add(24*time.Hour)) {
		t.Errorf("entry = %+v", e)
	}
	if strings.Join(v.Actions, ",") != "acknowledgeFindings,auth.signin,auth.signout" {
		t.Errorf("actions = %v", v.Actions)
	}

	w := tc.do(t, "viewer", http.MethodGet, "/audit?action=acknowledgeFindings&per=1", nil)
	page := w.Body.String()
	for _, want := range []string{"finding 43", "refused: this needs the operator role", "dana@msp.example", `href="?action=acknowledgeFindings&amp;page=2&amp;per=1"`, `<option value="auth.signin">`} {
		if w.Code != http.StatusOK || !strings.Contains(page, want) {
			t.Errorf("the page lacks %q (HTTP %d)", want, w.Code)
		}
	}
	if strings.Contains(page, "finding 42") {
		t.Error("the first page shows the second page's entry")
	}

	for query, field := range map[string]string{
		"?action=drop%20table":           "action",
		"?from=02/11/2026":               "from",
		"?from=2026-11-04&to=2026-11-02": "to",
		"?page=0":                        "page",
		"?per=10000":                     "per",
	} {
		w := tc.do(t, "viewer", http.MethodGet, "/api/v1/audit"+query, nil)
		var body struct{ Error Error }
		_ = json.Unmarshal(w.Body.Bytes(), &body)
		if w.Code != http.StatusBadRequest || body.Error.Field != field {
			t.Errorf("%s: HTTP %d, field %q; want 400 naming %s", query, w.Code, body.Error.Field, field)
		}
	}
}
