package auth_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
	"github.com/custos-msp/custos/web/auth"
)

// BenchmarkAuthenticate measures what every request of the console pays to know who
// makes it, on SQLite with sealing: a session cookie (one lookup by hash and the
// sealed subject and name opened) or a bearer token (one lookup by hash), each
// among 1,000 rows; the last sight or use is written at most once a minute, so not
// here.
func BenchmarkAuthenticate(b *testing.B) {
	st := storetest.Open(b, "sqlite", storetest.Keyring(b))
	rg := &rig{st: st, clock: &clock{t: time.Now().UTC().Truncate(time.Microsecond)}}
	svc, err := auth.NewService(auth.Options{Web: rg.webConfigWithoutEntra(), Store: st, Audit: trail{st}, Now: rg.clock.Now, LocalUser: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	now := rg.clock.Now()
	var token string
	for range 1000 {
		tok, hash, err := auth.NewToken()
		if err != nil {
			b.Fatal(err)
		}
		token = tok
		if err := st.CreateToken(ctx, &store.APIToken{Name: "t", Role: "viewer", Hash: hash, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			b.Fatal(err)
		}
	}
	var cookie *http.Cookie
	for i := range 1000 {
		link, err := svc.LocalLink(ctx, "/")
		if err != nil {
			b.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodGet, link, nil)
		r.RemoteAddr = fmt.Sprintf("10.0.%d.%d:5000", i/250, i%250) // one address would meet the sign-in limit
		w := httptest.NewRecorder()
		svc.Handler().ServeHTTP(w, r)
		cookie = w.Result().Cookies()[0]
	}
	for _, tt := range []struct {
		name string
		req  func() *http.Request
	}{
		{"session", func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "/findings", nil)
			r.AddCookie(cookie)
			return r
		}},
		{"token", func() *http.Request { return bearer(token) }},
	} {
		b.Run(tt.name, func(b *testing.B) {
			r := tt.req()
			for b.Loop() {
				if _, err := svc.Authenticate(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
