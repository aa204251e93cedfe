package console

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/fixtures/entra"
	"github.com/custos-msp/custos/web/auth"
)

// TestConsole_SignInThroughEntraThenReadTheAuditTrail joins the two halves: the
// console's guard with web/auth's real Service against the fake Entra ID. A page
// sends the browser to sign in, Entra sends it back, the session cookie opens the
// audit trail (which shows the sign-in), and the layout's sign-out form ends it.
func TestConsole_SignInThroughEntraThenReadTheAuditTrail(t *testing.T) {
	const (
		tenant = "6a1e3c4b-22f0-4d1a-9f3e-1f2b3c4d5e6f"
		client = "3f0c1e2d-4b5a-4c6d-8e7f-0a1b2c3d4e5f"
		public = "https://custos.example.com"
	)
	tc := newTestConsole(t)
	idp := entra.NewServer()
	defer idp.Close()
	idp.AddWebApp(tenant, client, "app-secret", public+"/auth/callback")
	idp.SignIn(tenant, entra.User{OID: "8f1c2d3e-0000-4000-8000-00000000da7a", PreferredUsername: "dana@msp.example", Roles: []string{"Custos.Auditor"}})
	svc, err := auth.NewService(auth.Options{
		Web: config.Web{PublicURL: public, SessionLifetime: duration.Duration(time.Hour), Entra: config.WebEntra{
			TenantID: tenant, ClientID: client, Authority: idp.AuthorityHost(), Roles: map[string]string{"Custos.Auditor": "auditor"}}},
		ClientSecret: "app-secret", Store: tc.App.Store, Audit: tc.App, Now: tc.App.Now, HTTPClient: idp.Client(), Log: zerolog.Nop(),
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Deps{App: tc.App, Auth: svc, Audit: tc.App, Log: zerolog.Nop(), ClientAddress: svc.ClientAddr})
	if err != nil {
		t.Fatal(err)
	}
	cookies := map[string]*http.Cookie{}
	get := func(method, target string, form url.Values) *httptest.ResponseRecorder {
		t.Helper()
		r := httptest.NewRequest(method, target, nil)
		if form != nil {
			r = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for _, ck := range cookies {
			r.AddCookie(ck)
		}
		w := httptest.NewRecorder()
		c.ServeHTTP(w, r)
		for _, ck := range w.Result().Cookies() {
			cookies[ck.Name] = ck
			if ck.MaxAge < 0 {
				delete(cookies, ck.Name)
			}
		}
		return w
	}

	w := get(http.MethodGet, "/audit", nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/auth/signin?next=%2Faudit" {
		t.Fatalf("/audit signed out: HTTP %d to %q", w.Code, w.Header().Get("Location"))
	}
	w = get(http.MethodGet, w.Header().Get("Location"), nil)
	noFollow := *idp.Client()
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noFollow.Get(w.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, _ := url.Parse(resp.Header.Get("Location"))
	if w = get(http.MethodGet, back.RequestURI(), nil); w.Code != http.StatusFound || w.Header().Get("Location") != "/audit" {
		t.Fatalf("callback: HTTP %d to %q: %s", w.Code, w.Header().Get("Location"), w.Body)
	}
	w = get(http.MethodGet, "/audit", nil)
	page := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(page, "dana@msp.example") || !strings.Contains(page, "auth.signin") {
		t.Fatalf("/audit signed in: HTTP %d:\n%s", w.Code, page)
	}
	p, err := svc.Authenticate(func() *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(cookies[auth.SessionCookie])
		return r
	}())
	if err != nil || !strings.Contains(page, `name="csrf" value="`+p.CSRF+`"`) {
		t.Fatalf("the layout's sign-out form does not carry the session's CSRF token (%v)", err)
	}
	if w = get(http.MethodPost, "/auth/signout", url.Values{"csrf": {p.CSRF}}); w.Code != http.StatusOK {
		t.Fatalf("sign-out: HTTP %d %s", w.Code, w.Body)
	}
	if w = get(http.MethodGet, "/api/v1/audit", nil); w.Code != http.StatusUnauthorized {
		t.Errorf("the API after sign-out: HTTP %d, want 401", w.Code)
	}
}
