package auth_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
	"github.com/custos-msp/custos/web/auth"
)

func bearer(token string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/api/v1/findings", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

func TestTokens_AuthenticateUntilExpiredOrRevoked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		rg := newRig(t, st)
		svc := rg.service(t)
		token, hash, err := auth.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if !auth.TokenPattern.MatchString(token) || len(token) != len("custos_")+43 {
			t.Fatalf("token %q does not have the documented shape", token)
		}
		now := rg.clock.Now()
		row := store.APIToken{Name: "ci-export", Role: "auditor", Hash: hash, CreatedBy: "dana", CreatedAt: now, ExpiresAt: now.Add(90 * 24 * time.Hour)}
		if err := st.CreateToken(ctx, &row); err != nil {
			t.Fatal(err)
		}
		p, err := svc.Authenticate(bearer(token))
		if err != nil || p.Subject != "token:1" || p.Name != "ci-export" || p.Role != auth.Auditor || p.Via != auth.ViaToken || p.CSRF != "" {
			t.Errorf("Authenticate = %+v, %v; want the token's principal without a CSRF token", p, err)
		}
		lastUsed := func() time.Time {
			list, err := st.Tokens(ctx)
			if err != nil || list[0].LastUsedAt == nil {
				t.Fatalf("Tokens = %+v, %v; want a last use", list, err)
			}
			return *list[0].LastUsedAt
		}
		for _, step := range []struct {
			after time.Duration
			want  time.Time
		}{{30 * time.Second, now}, {31 * time.Second, now.Add(61 * time.Second)}} {
			rg.clock.Add(step.after)
			if _, err := svc.Authenticate(bearer(token)); err != nil {
				t.Fatal(err)
			}
			if got := lastUsed(); !got.Equal(step.want) {
				t.Errorf("last use %s, want %s (written at most once a minute)", got, step.want)
			}
		}
		other, _, _ := auth.NewToken()
		for name, r := range map[string]*http.Request{
			"an unknown token":            bearer(other),
			"not a Custos token":          bearer("eyJhbGciOiJIUzI1NiJ9.e30.x"),
			"another scheme":              func() *http.Request { r := bearer(token); r.Header.Set("Authorization", "Basic "+token); return r }(),
			"a token one character short": bearer(token[:len(token)-1]),
		} {
			if _, err := svc.Authenticate(r); !errors.Is(err, auth.ErrBadCredentials) {
				t.Errorf("%s: %v, want ErrBadCredentials", name, err)
			}
		}
		if _, err := svc.Authenticate(httptest.NewRequest(http.MethodGet, "/", nil)); !errors.Is(err, auth.ErrNoCredentials) {
			t.Errorf("no credentials: %v", err)
		}

		rg.clock.Add(90 * 24 * time.Hour)
		if _, err := svc.Authenticate(bearer(token)); !errors.Is(err, auth.ErrBadCredentials) {
			t.Errorf("an expired token: %v", err)
		}
		rg.clock.Add(-90 * 24 * time.Hour)
		if err := st.RevokeToken(ctx, row.ID, rg.clock.Now(), "dana", "leaked"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Authenticate(bearer(token)); !errors.Is(err, auth.ErrBadCredentials) {
			t.Errorf("a revoked token: %v", err)
		}
	})
}

// TestTokens_OnlyTheHashIsStored reads the SQLite file's bytes: the token is not in
// it, its hash is.
func TestTokens_OnlyTheHashIsStored(t *testing.T) {
	st := storetest.Open(t, "sqlite", storetest.Keyring(t))
	token, hash, err := auth.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateToken(ctx, &store.APIToken{Name: "ci", Role: "viewer", Hash: hash, CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	db := databaseBytes(t, st)
	if !bytes.Contains(db, []byte(hash)) {
		t.Fatal("the hash is not in the database file either: the scan reads the wrong thing")
	}
	if bytes.Contains(db, []byte(token)) || bytes.Contains(db, []byte(token[len("custos_"):])) {
		t.Error("the token is readable in the database file")
	}
}

// databaseBytes is what a SQLite store holds on disk: its file and its log.
func databaseBytes(t *testing.T, st *store.Store) []byte {
	t.Helper()
	var path string
	if err := storetest.DB(ctx, st).Raw("SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&path).Error; err != nil {
		t.Fatal(err)
	}
	var db bytes.Buffer
	for _, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		db.Write(b)
	}
	return db.Bytes()
}
