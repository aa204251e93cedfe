package console

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/custos-msp/custos/web/auth"
)

// pathParam stands in for every {param} of a route's pattern when the role matrix
// calls it.
var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// TestGuard_EveryRouteAllowsItsRoleAndRefusesTheOthers walks every route with every
// role: a role below the route's is answered 403 and its change is recorded as
// refused; the route's role and those above are let through (whatever the handler
// then answers, it is neither 401 nor 403).
func TestGuard_EveryRouteAllowsItsRoleAndRefusesTheOthers(t *testing.T) {
	tc := newTestConsole(t)
	for _, rt := range tc.routes() {
		target := pathParam.ReplaceAllString(rt.Pattern, "1")
		for _, role := range auth.Roles {
			var form url.Values
			if rt.Changes() {
				form = url.Values{}
			}
			before := len(tc.Audit.all())
			w := tc.do(t, role.String(), rt.Method, target, form)
			allowed := role.Allows(rt.Need)
			switch {
			case allowed && (w.Code == http.StatusForbidden || w.Code == http.StatusUnauthorized):
				t.Errorf("%s %s as %s: %d, want it let through (needs %s): %s", rt.Method, rt.Pattern, role, w.Code, rt.Need, w.Body)
			case !allowed && w.Code != http.StatusForbidden:
				t.Errorf("%s %s as %s: %d, want 403 (needs %s)", rt.Method, rt.Pattern, role, w.Code, rt.Need)
			}
			changes := tc.Audit.all()[before:]
			if rt.Changes() && len(changes) != 1 {
				t.Errorf("%s %s as %s: %d audit entries, want 1", rt.Method, rt.Pattern, role, len(changes))
			}
			if !rt.Changes() && len(changes) != 0 {
				t.Errorf("%s %s as %s: a read wrote %d audit entries", rt.Method, rt.Pattern, role, len(changes))
			}
			if !allowed && len(changes) == 1 && !strings.HasPrefix(changes[0].Outcome, "refused") {
				t.Errorf("%s %s as %s: audit outcome %q, want refused", rt.Method, rt.Pattern, role, changes[0].Outcome)
			}
		}
	}
}

// TestGuard_RefusesWithoutCredentials: pages send the browser to sign in, the API
// answers 401 as JSON.
func TestGuard_RefusesWithoutCredentials(t *testing.T) {
	tc := newTestConsole(t)
	for _, rt := range tc.routes() {
		target := pathParam.ReplaceAllString(rt.Pattern, "1")
		var form url.Values
		if rt.Changes() {
			form = url.Values{}
		}
		w := tc.do(t, "", rt.Method, target, form)
		switch {
		case !rt.API() && !rt.Changes():
			if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/auth/signin?next=") {
				t.Errorf("%s %s signed out: %d to %q, want 303 to sign-in", rt.Method, rt.Pattern, w.Code, w.Header().Get("Location"))
			}
		default:
			if w.Code != http.StatusUnauthorized {
				t.Errorf("%s %s signed out: %d, want 401", rt.Method, rt.Pattern, w.Code)
			}
		}
	}
}

// TestGuard_ChangesNeedTheSessionsCSRFToken: a change from a browser session
// without the token, or with another, is refused before the route runs; a bearer
// token needs none.
func TestGuard_ChangesNeedTheSessionsCSRFToken(t *testing.T) {
	tc := newTestConsole(t)
	var changes []route
	for _, rt := range tc.routes() {
		if rt.Changes() {
			changes = append(changes, rt)
		}
	}
	if len(changes) == 0 {
		t.Skip("no route changes anything yet")
	}
	for _, rt := range changes {
		target := pathParam.ReplaceAllString(rt.Pattern, "1")
		for _, body := range []string{"", CSRFField + "=forged"} {
			r := httptest.NewRequest(rt.Method, target, strings.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set(roleHeader, "admin")
			w := recordServe(tc, r)
			if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "security token") {
				t.Errorf("%s %s with body %q: %d, want 403 for the CSRF token: %s", rt.Method, rt.Pattern, body, w.Code, w.Body)
			}
		}
		r := httptest.NewRequest(rt.Method, target, strings.NewReader(""))
		r.Header.Set(roleHeader, "admin")
		r.Header.Set("Authorization", "Bearer test")
		if w := recordServe(tc, r); w.Code == http.StatusForbidden {
			t.Errorf("%s %s with a bearer token and no CSRF token: 403: %s", rt.Method, rt.Pattern, w.Body)
		}
	}
}

// TestSecureHeaders_OnEveryAnswer: pages, the API, static files and errors all carry
// the strict policy.
func TestSecureHeaders_OnEveryAnswer(t *testing.T) {
	tc := newTestConsole(t)
	for _, target := range []string{"/api/v1/openapi.yaml", "/static/console.css", "/no-such-page"} {
		w := tc.do(t, "viewer", http.MethodGet, target, nil)
		csp := w.Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: Content-Security-Policy %q", target, csp)
		}
		if w.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no nosniff", target)
		}
	}
}
