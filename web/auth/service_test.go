package auth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/fixtures/entra"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
	"github.com/custos-msp/custos/web/auth"
)

const (
	tenant    = "6a1e3c4b-22f0-4d1a-9f3e-1f2b3c4d5e6f"
	client    = "3f0c1e2d-4b5a-4c6d-8e7f-0a1b2c3d4e5f"
	public    = "https://custos.example.com"
	opsGroup  = "0c9f3d2e-5b1a-4c7d-9e8f-1a2b3c4d5e6f"
	secretPW  = "app-secret"
	browserIP = "198.51.100.23"
)

var ctx = context.Background()

var dana = entra.User{OID: "8f1c2d3e-0000-4000-8000-00000000da7a", Name: "Dana Ortiz", PreferredUsername: "dana@msp.example",
	Roles: []string{"Custos.Viewer"}, Groups: []string{opsGroup}}

// trail is the audit trail on a store, as app.App keeps it.
type trail struct{ st *store.Store }

func (t trail) RecordChange(ctx context.Context, c auth.Change) error {
	e := auth.EntryOf(c)
	return t.st.RecordAudit(ctx, &e)
}

// clock is a settable clock, starting at the real time (the fake Entra stamps its
// tokens with it).
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// rig is a fake Entra tenant and a store that services (replicas) share.
type rig struct {
	entra *entra.Server
	st    *store.Store
	clock *clock
}

func newRig(t *testing.T, st *store.Store) *rig {
	t.Helper()
	srv := entra.NewServer()
	t.Cleanup(srv.Close)
	srv.AddWebApp(tenant, client, secretPW, public+"/auth/callback")
	srv.SignIn(tenant, dana)
	return &rig{entra: srv, st: st, clock: &clock{t: time.Now().UTC().Truncate(time.Microsecond)}}
}

func (rg *rig) webConfig() config.Web {
	return config.Web{
		PublicURL: public, SessionLifetime: duration.Duration(8 * time.Hour), TrustedProxies: []string{"10.0.0.0/8"},
		Entra: config.WebEntra{TenantID: tenant, ClientID: client, Authority: rg.entra.AuthorityHost(),
			Roles: map[string]string{"Custos.Viewer": "viewer", opsGroup: "operator", "Custos.Admin": "admin"}},
	}
}

// webConfigWithoutEntra is [web] with sign-in through Entra off.
func (rg *rig) webConfigWithoutEntra() config.Web {
	return config.Web{PublicURL: public, SessionLifetime: duration.Duration(8 * time.Hour)}
}

// service is one replica.
func (rg *rig) service(t *testing.T) *auth.Service {
	t.Helper()
	svc, err := auth.NewService(auth.Options{Web: rg.webConfig(), ClientSecret: secretPW, Store: rg.st, Audit: trail{rg.st},
		Now: rg.clock.Now, HTTPClient: rg.entra.Client(), LocalUser: "dana"})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// browser keeps cookies between requests to the console and follows nothing by itself.
type browser struct {
	cookies map[string]*http.Cookie
	addr    string
}

func newBrowser() *browser {
	return &browser{cookies: map[string]*http.Cookie{}, addr: browserIP + ":50000"}
}

// do sends a request to h as the browser, keeping the cookies it is given.
func (b *browser) do(h http.Handler, method, target string, form url.Values) *httptest.ResponseRecorder {
	var r *http.Request
	if form != nil {
		r = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		r = httptest.NewRequest(method, target, nil)
	}
	r.RemoteAddr = b.addr
	for _, c := range b.cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	for _, c := range w.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	return w
}

// request is a request of the browser with its cookies, for Authenticate.
func (b *browser) request() *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/findings", nil)
	for _, c := range b.cookies {
		r.AddCookie(c)
	}
	return r
}

// entraAnswer follows the redirect to Entra's authorize endpoint and returns where
// Entra sends the browser back.
func (rg *rig) entraAnswer(t *testing.T, authorizeURL string) *url.URL {
	t.Helper()
	c := *rg.entra.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(authorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || !strings.HasPrefix(back.String(), public+"/auth/callback") {
		t.Fatalf("Entra answered HTTP %d, Location %q", resp.StatusCode, back)
	}
	return back
}

// signIn runs a whole sign-in: start on start, Entra, back on finish (another
// replica, possibly), with change applied to the callback's URL. It returns the
// callback's answer.
func (rg *rig) signIn(t *testing.T, b *browser, start, finish http.Handler, next string, change func(*url.URL)) *httptest.ResponseRecorder {
	t.Helper()
	w := b.do(start, http.MethodGet, "/auth/signin?next="+url.QueryEscape(next), nil)
	if w.Code != http.StatusFound {
		t.Fatalf("signin: HTTP %d %s", w.Code, w.Body)
	}
	back := rg.entraAnswer(t, w.Header().Get("Location"))
	if change != nil {
		change(back)
	}
	return b.do(finish, http.MethodGet, back.RequestURI(), nil)
}

func TestSignIn_EndToEndGivesASessionWithTheMappedRole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		rg := newRig(t, st)
		svc := rg.service(t)
		b := newBrowser()
		w := b.do(svc.Handler(), http.MethodGet, "/auth/signin?next=%2Ffindings%3Fseverity%3Dhigh", nil)
		authorize, _ := url.Parse(w.Header().Get("Location"))
		q := authorize.Query()
		if w.Code != http.StatusFound || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" ||
			q.Get("nonce") == "" || q.Get("state") == "" || q.Get("redirect_uri") != public+"/auth/callback" {
			t.Fatalf("signin: HTTP %d to %s; want Entra with PKCE, nonce, state and the callback", w.Code, authorize)
		}
		flow := b.cookies["custos_signin"]
		if flow == nil || !flow.Secure || !flow.HttpOnly || flow.SameSite != http.SameSiteLaxMode {
			t.Errorf("sign-in cookie = %+v; want Secure, HttpOnly, SameSite=Lax", flow)
		}

		back := rg.entraAnswer(t, authorize.String())
		w = b.do(svc.Handler(), http.MethodGet, back.RequestURI(), nil)
		if w.Code != http.StatusFound || w.Header().Get("Location") != "/findings?severity=high" {
			t.Fatalf("callback: HTTP %d to %q: %s", w.Code, w.Header().Get("Location"), w.Body)
		}
		session := b.cookies[auth.SessionCookie]
		if session == nil || !session.Secure || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" {
			t.Fatalf("session cookie = %+v; want Secure, HttpOnly, SameSite=Lax, Path=/", session)
		}
		if _, ok := b.cookies["custos_signin"]; ok {
			t.Error("the sign-in cookie outlived the sign-in")
		}
		p, err := svc.Authenticate(b.request())
		if err != nil {
			t.Fatal(err)
		}
		// The viewer app role and the operator group: the highest wins.
		if p.Subject != dana.OID || p.Name != "dana@msp.example" || p.Role != auth.Operator || p.Via != auth.ViaSession || p.CSRF == "" {
			t.Errorf("principal = %+v; want Dana as operator through a session, with a CSRF token", p)
		}
		entries, _ := st.AuditEntries(ctx, store.AuditFilter{})
		if len(entries) != 1 || entries[0].Action != auth.ActionSignIn || entries[0].Outcome != "" ||
			entries[0].FromAddress != browserIP || entries[0].Subject != dana.OID || entries[0].Role != "operator" {
			t.Errorf("audit trail = %+v; want Dana's sign-in from %s", entries, browserIP)
		}
	})
}

func TestSignIn_RefusedAndNothingStored(t *testing.T) {
	tests := []struct {
		name     string
		user     *entra.User
		tamper   func(c *entra.IDClaims) bool
		callback func(*url.URL)
		noCookie bool
		status   int
		outcome  string
	}{
		{name: "wrong state", callback: func(u *url.URL) { q := u.Query(); q.Set("state", "forged"); u.RawQuery = q.Encode() },
			status: http.StatusBadRequest, outcome: "state does not match"},
		{name: "no sign-in cookie", noCookie: true, status: http.StatusBadRequest, outcome: "no sign-in was started"},
		{name: "wrong nonce", tamper: func(c *entra.IDClaims) bool { c.Nonce = "replayed"; return true },
			status: http.StatusForbidden, outcome: "nonce"},
		{name: "expired token", tamper: func(c *entra.IDClaims) bool { c.Exp = time.Now().Add(-time.Minute).Unix(); return true },
			status: http.StatusForbidden, outcome: "expired"},
		{name: "wrong audience", tamper: func(c *entra.IDClaims) bool { c.Aud = "11111111-2222-4333-8444-555555555555"; return true },
			status: http.StatusForbidden, outcome: "audience"},
		{name: "wrong issuer", tamper: func(c *entra.IDClaims) bool { c.Iss = "https://login.example/other/v2.0"; return true },
			status: http.StatusForbidden, outcome: "issued by a different provider"},
		{name: "unsigned token", tamper: func(c *entra.IDClaims) bool { return false },
			status: http.StatusForbidden, outcome: "verifying the ID token"},
		{name: "no mapped role", user: &entra.User{OID: "0d0d0d0d-0000-4000-8000-000000000001", PreferredUsername: "guest@msp.example", Roles: []string{"Other.App"}},
			status: http.StatusForbidden, outcome: "no app role or group"},
		{name: "code redeemed with another verifier", callback: func(u *url.URL) {}, status: http.StatusForbidden, outcome: "AADSTS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := storetest.Open(t, "sqlite", storetest.Keyring(t))
			rg := newRig(t, st)
			if tt.user != nil {
				rg.entra.SignIn(tenant, *tt.user)
			}
			rg.entra.TamperIDTokens(tt.tamper)
			svc := rg.service(t)
			b := newBrowser()
			var w *httptest.ResponseRecorder
			switch {
			case tt.name == "code redeemed with another verifier":
				// A code stolen from another browser's sign-in, brought back with this browser's own sign-in cookie and state.
				other := newBrowser()
				ws := other.do(svc.Handler(), http.MethodGet, "/auth/signin", nil)
				stolen := rg.entraAnswer(t, ws.Header().Get("Location")).Query().Get("code")
				w = rg.signIn(t, b, svc.Handler(), svc.Handler(), "/", func(u *url.URL) {
					q := u.Query()
					q.Set("code", stolen)
					u.RawQuery = q.Encode()
				})
			case tt.noCookie:
				ws := b.do(svc.Handler(), http.MethodGet, "/auth/signin", nil)
				back := rg.entraAnswer(t, ws.Header().Get("Location"))
				w = newBrowser().do(svc.Handler(), http.MethodGet, back.RequestURI(), nil)
			default:
				w = rg.signIn(t, b, svc.Handler(), svc.Handler(), "/", tt.callback)
			}
			if w.Code != tt.status {
				t.Errorf("callback: HTTP %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if _, ok := b.cookies[auth.SessionCookie]; ok {
				t.Error("a session cookie was set")
			}
			var sessions int64
			storetest.DB(ctx, st).Model(&store.ConsoleSession{}).Count(&sessions)
			if sessions != 0 {
				t.Errorf("%d sessions stored", sessions)
			}
			entries, _ := st.AuditEntries(ctx, store.AuditFilter{})
			if len(entries) != 1 || entries[0].Action != auth.ActionSignIn || !strings.Contains(entries[0].Outcome, tt.outcome) ||
				!strings.HasPrefix(entries[0].Outcome, "refused: ") {
				t.Errorf("audit trail = %+v; want one refused sign-in saying %q", entries, tt.outcome)
			}
		})
	}
}

func TestSignIn_ReplicasShareSignInsAndSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		rg := newRig(t, st)
		a, b := rg.service(t), rg.service(t)
		br := newBrowser()
		// Started on one replica, back from Entra on the other.
		if w := rg.signIn(t, br, a.Handler(), b.Handler(), "/", nil); w.Code != http.StatusFound {
			t.Fatalf("callback on the other replica: HTTP %d %s", w.Code, w.Body)
		}
		for name, svc := range map[string]*auth.Service{"a": a, "b": b} {
			if p, err := svc.Authenticate(br.request()); err != nil || p.Subject != dana.OID {
				t.Errorf("replica %s: %+v, %v", name, p, err)
			}
		}
		// Signed out on one, refused by both, even with the cookie kept.
		kept := newBrowser()
		kept.cookies[auth.SessionCookie] = br.cookies[auth.SessionCookie]
		p, _ := a.Authenticate(br.request())
		if w := br.do(b.Handler(), http.MethodPost, "/auth/signout", url.Values{"csrf": {p.CSRF}}); w.Code != http.StatusOK {
			t.Fatalf("signout: HTTP %d %s", w.Code, w.Body)
		}
		if _, ok := br.cookies[auth.SessionCookie]; ok {
			t.Error("signing out left the session cookie")
		}
		for name, svc := range map[string]*auth.Service{"a": a, "b": b} {
			if _, err := svc.Authenticate(kept.request()); !errors.Is(err, auth.ErrBadCredentials) {
				t.Errorf("replica %s accepts a signed-out session: %v", name, err)
			}
		}
	})
}
