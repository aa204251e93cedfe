package auth_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
	"github.com/custos-msp/custos/web/auth"
)

func TestSession_ExpiresAfterItsLifetime(t *testing.T) {
	rg := newRig(t, storetest.Open(t, "sqlite", storetest.Keyring(t)))
	svc := rg.service(t)
	b := newBrowser()
	rg.signIn(t, b, svc.Handler(), svc.Handler(), "/", nil)
	rg.clock.Add(8*time.Hour - time.Second)
	if _, err := svc.Authenticate(b.request()); err != nil {
		t.Errorf("a second before the end: %v", err)
	}
	rg.clock.Add(time.Second)
	if _, err := svc.Authenticate(b.request()); !errors.Is(err, auth.ErrBadCredentials) {
		t.Errorf("at the end of its lifetime: %v, want ErrBadCredentials", err)
	}
}

// TestSignIn_NothingOfThePersonInClear signs in and out and reads the SQLite file:
// the person's object id, sign-in name and address are sealed in the session and
// the audit trail.
func TestSignIn_NothingOfThePersonInClear(t *testing.T) {
	rg := newRig(t, storetest.Open(t, "sqlite", storetest.Keyring(t)))
	svc := rg.service(t)
	b := newBrowser()
	rg.signIn(t, b, svc.Handler(), svc.Handler(), "/", nil)
	if _, err := svc.Authenticate(b.request()); err != nil {
		t.Fatal(err)
	}
	db := databaseBytes(t, rg.st)
	if !bytes.Contains(db, []byte("auth.signin")) {
		t.Fatal("the audit trail's action is not in the file either: the scan reads the wrong thing")
	}
	for _, v := range []string{dana.OID, dana.PreferredUsername, browserIP} {
		if bytes.Contains(db, []byte(v)) {
			t.Errorf("%q is readable in the database file", v)
		}
	}
}

func TestSignOut_NeedsTheSessionsCSRFToken(t *testing.T) {
	rg := newRig(t, storetest.Open(t, "sqlite", storetest.Keyring(t)))
	svc := rg.service(t)
	b := newBrowser()
	rg.signIn(t, b, svc.Handler(), svc.Handler(), "/", nil)
	p, err := svc.Authenticate(b.request())
	if err != nil {
		t.Fatal(err)
	}
	for _, form := range []url.Values{{}, {"csrf": {"guessed"}}} {
		if w := b.do(svc.Handler(), http.MethodPost, "/auth/signout", form); w.Code != http.StatusForbidden {
			t.Errorf("sign-out with csrf %q: HTTP %d, want 403", form.Get("csrf"), w.Code)
		}
	}
	if _, err := svc.Authenticate(b.request()); err != nil {
		t.Fatalf("a refused sign-out ended the session: %v", err)
	}
	if w := b.do(svc.Handler(), http.MethodPost, "/auth/signout", url.Values{"csrf": {p.CSRF}}); w.Code != http.StatusOK {
		t.Fatalf("sign-out: HTTP %d", w.Code)
	}
	var sessions int64
	storetest.DB(ctx, rg.st).Model(&store.ConsoleSession{}).Count(&sessions)
	entries, _ := rg.st.AuditEntries(ctx, store.AuditFilter{Action: auth.ActionSignOut})
	if sessions != 0 || len(entries) != 3 || entries[0].Outcome != "" || !strings.HasPrefix(entries[1].Outcome, "refused") {
		t.Errorf("%d sessions left, sign-outs recorded %+v; want none left, two refused and one done", sessions, entries)
	}
}

func TestLocalLink_SignsTheLocalUserInOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		rg := newRig(t, st)
		svc := rg.service(t)
		link, err := svc.LocalLink(ctx, "/overview")
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(link)
		if !strings.HasPrefix(link, public+"/auth/local?") || u.Query().Get("next") != "/overview" {
			t.Fatalf("link = %s", link)
		}
		b := newBrowser()
		w := b.do(svc.Handler(), http.MethodGet, u.RequestURI(), nil)
		if w.Code != http.StatusFound || w.Header().Get("Location") != "/overview" {
			t.Fatalf("following the link: HTTP %d to %q", w.Code, w.Header().Get("Location"))
		}
		p, err := svc.Authenticate(b.request())
		if err != nil || p.Subject != "local:dana" || p.Role != auth.Admin || p.Via != auth.ViaLocal || p.CSRF == "" {
			t.Errorf("principal = %+v, %v; want the local user as admin", p, err)
		}
		if w := newBrowser().do(svc.Handler(), http.MethodGet, u.RequestURI(), nil); w.Code != http.StatusForbidden {
			t.Errorf("the link followed twice: HTTP %d, want 403", w.Code)
		}
		late, _ := svc.LocalLink(ctx, "/")
		rg.clock.Add(auth.LinkLifetime)
		lu, _ := url.Parse(late)
		if w := newBrowser().do(svc.Handler(), http.MethodGet, lu.RequestURI(), nil); w.Code != http.StatusForbidden {
			t.Errorf("a link followed after %s: HTTP %d, want 403", auth.LinkLifetime, w.Code)
		}
	})
}

func TestNext_OnlyLocalPaths(t *testing.T) {
	rg := newRig(t, storetest.Open(t, "sqlite", storetest.Keyring(t)))
	svc := rg.service(t)
	for next, want := range map[string]string{
		"/findings?rule=R1":     "/findings?rule=R1",
		"https://evil.example/": "/",
		"//evil.example/x":      "/",
		"/\\evil.example":       "/",
		"javascript:alert(1)":   "/",
		"findings":              "/",
		"":                      "/",
		"/%0d%0aSet-Cookie:x=y": "/%0d%0aSet-Cookie:x=y",
		"https:/evil.example/x": "/",
	} {
		link, err := svc.LocalLink(ctx, next)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(link)
		if got := u.Query().Get("next"); got != want {
			t.Errorf("next %q became %q, want %q", next, got, want)
		}
	}
}

func TestSignInStart_RateLimitedPerClientAddress(t *testing.T) {
	rg := newRig(t, storetest.Open(t, "sqlite", storetest.Keyring(t)))
	svc := rg.service(t)
	one, other := newBrowser(), newBrowser()
	other.addr = "203.0.113.9:40000"
	for i := range auth.SignInBurst {
		if w := one.do(svc.Handler(), http.MethodGet, "/auth/signin", nil); w.Code != http.StatusFound {
			t.Fatalf("attempt %d: HTTP %d", i+1, w.Code)
		}
	}
	if w := one.do(svc.Handler(), http.MethodGet, "/auth/signin", nil); w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Errorf("attempt %d from one address: HTTP %d, want 429 with Retry-After", auth.SignInBurst+1, w.Code)
	}
	if w := other.do(svc.Handler(), http.MethodGet, "/auth/signin", nil); w.Code != http.StatusFound {
		t.Errorf("the first attempt from another address: HTTP %d, want 302", w.Code)
	}
	rg.clock.Add(auth.SignInEvery)
	if w := one.do(svc.Handler(), http.MethodGet, "/auth/signin", nil); w.Code != http.StatusFound {
		t.Errorf("an attempt %s later: HTTP %d, want 302", auth.SignInEvery, w.Code)
	}
}

func TestClientAddr_BelievesOnlyTrustedProxies(t *testing.T) {
	rg := newRig(t, storetest.Open(t, "sqlite", storetest.Keyring(t)))
	svc := rg.service(t) // trusts 10.0.0.0/8
	tests := []struct {
		name, peer, forwarded, want string
	}{
		{"direct", "198.51.100.23:5000", "", "198.51.100.23"},
		{"direct, forged header", "198.51.100.23:5000", "203.0.113.1", "198.51.100.23"},
		{"through the proxy", "10.1.2.3:5000", "198.51.100.23", "198.51.100.23"},
		{"through two proxies", "10.1.2.3:5000", "198.51.100.23, 10.9.9.9", "198.51.100.23"},
		{"client forged the far end", "10.1.2.3:5000", "203.0.113.1, 198.51.100.23", "198.51.100.23"},
		{"proxy without header", "10.1.2.3:5000", "", "10.1.2.3"},
		{"IPv6 peer", "[2001:db8::1]:5000", "", "2001:db8::1"},
	}
	for _, tt := range tests {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = tt.peer
		if tt.forwarded != "" {
			r.Header.Set("X-Forwarded-For", tt.forwarded)
		}
		if got := svc.ClientAddr(r); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestCallback_EntraErrorIsRecordedNotEchoed: whoever writes the callback's query
// cannot put words on Custos's page; the trail keeps what Entra (or they) said.
func TestCallback_EntraErrorIsRecordedNotEchoed(t *testing.T) {
	rg := newRig(t, storetest.Open(t, "sqlite", storetest.Keyring(t)))
	svc := rg.service(t)
	q := url.Values{"error": {"access_denied"}, "error_description": {"Call +1 555 0100 to restore your account"}, "state": {"x"}}
	w := newBrowser().do(svc.Handler(), http.MethodGet, "/auth/callback?"+q.Encode(), nil)
	if w.Code != http.StatusForbidden || strings.Contains(w.Body.String(), "555") {
		t.Errorf("HTTP %d, page %s; want 403 without the description", w.Code, w.Body)
	}
	entries, _ := rg.st.AuditEntries(ctx, store.AuditFilter{})
	if len(entries) != 1 || !strings.Contains(entries[0].Outcome, "access_denied: Call +1 555") {
		t.Errorf("audit trail = %+v", entries)
	}
}
