package console

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/notify/notifytest"
	"github.com/custos-msp/custos/secret"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/web/auth"
)

// tokenPattern finds an API token in a page or an answer.
var tokenPattern = regexp.MustCompile(`custos_[A-Za-z0-9_-]{16,}`)

// bearer authenticates a request carrying token through the real sign-in service on
// the console's store.
func bearer(t *testing.T, tc *testConsole, token string) (auth.Principal, error) {
	t.Helper()
	svc, err := tc.App.AuthService(app.AuthOptions{PublicURL: "https://custos.example"})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/api/v1/admin", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	return svc.Authenticate(r)
}

// TestAdmin_CreateToken: the page and the API make a token that authenticates with its
// role; the page shows it once, in the answer's body (no redirect), the store keeps
// only its hash, and neither audit trail nor log holds it.
func TestAdmin_CreateToken(t *testing.T) {
	tc := newTestConsole(t)
	var logged bytes.Buffer
	tc.Log = zerolog.New(&logged)
	tc.App.Log = zerolog.New(&logged)
	for _, tt := range []struct {
		target, name, role string
		status             int
	}{
		{"/admin/tokens", "psa-sync", "viewer", http.StatusOK},
		{"/api/v1/tokens", "backup-check", "operator", http.StatusCreated},
	} {
		t.Run(tt.target, func(t *testing.T) {
			w := tc.do(t, "admin", http.MethodPost, tt.target, url.Values{"name": {tt.name}, "role": {tt.role}, "expires": {"30d"}})
			body := w.Body.String()
			if w.Code != tt.status || w.Header().Get("Location") != "" {
				t.Fatalf("%d (Location %q), want %d and no redirect: %s", w.Code, w.Header().Get("Location"), tt.status, body)
			}
			token := tokenPattern.FindString(body)
			if token == "" {
				t.Fatalf("the answer shows no token: %s", body)
			}
			if tt.target == "/admin/tokens" && !strings.Contains(body, "Copy this token now") {
				t.Errorf("the page does not warn to copy the token now")
			}
			p, err := bearer(t, tc, token)
			if err != nil || p.Role.String() != tt.role {
				t.Fatalf("the token made authenticates as %v, %v; want %s", p.Role, err, tt.role)
			}
			tokens, err := tc.App.Tokens(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			var row *store.APIToken
			for i := range tokens {
				if tokens[i].Name == tt.name {
					row = &tokens[i]
				}
				if strings.Contains(tokens[i].Hash, token) {
					t.Errorf("the store keeps token %d itself", tokens[i].ID)
				}
			}
			if row == nil || row.Hash != auth.HashSecret(token) || row.CreatedBy != "Test admin" {
				t.Fatalf("the store holds %+v, want %s's hash made by Test admin", row, tt.name)
			}
			// Shown once: the page after it lists the token, never the token itself.
			page := tc.do(t, "admin", http.MethodGet, "/admin", nil).Body.String()
			if !strings.Contains(page, tt.name) || strings.Contains(page, token) {
				t.Errorf("the admin page afterwards: lists %s %v, shows the token %v", tt.name, strings.Contains(page, tt.name), strings.Contains(page, token))
			}
			recordedOnce(t, tc, app.ActionTokenCreate, "token "+strconv.FormatUint(uint64(row.ID), 10))
			changes := tc.Audit.all()
			trail, err := tc.App.AuditTrail(t.Context(), store.AuditFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range changes {
				if strings.Contains(c.Target+c.Detail+c.Outcome, token) {
					t.Errorf("the console's audit entry %+v holds the token", c)
				}
			}
			for _, e := range trail {
				if strings.Contains(e.Target+e.Detail+e.Outcome, token) {
					t.Errorf("the stored audit entry %+v holds the token", e)
				}
			}
			if strings.Contains(logged.String(), token) {
				t.Errorf("the log holds the token")
			}
		})
	}
}

// TestAdmin_RefusesBadInput: page and API answer 400 naming the field, and make
// nothing.
func TestAdmin_RefusesBadInput(t *testing.T) {
	tc := newTestConsole(t)
	made, err := tc.App.CreateToken(t.Context(), app.LocalPrincipal(), "ci", auth.Viewer, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	revoke := "/tokens/" + strconv.FormatUint(uint64(made.Row.ID), 10) + "/revoke"
	for _, tt := range []struct {
		name, path string
		form       url.Values
		field      string
	}{
		{"no name", "/tokens", url.Values{"role": {"viewer"}, "expires": {"30d"}}, "name"},
		{"blank name", "/tokens", url.Values{"name": {"  "}, "role": {"viewer"}, "expires": {"30d"}}, "name"},
		{"unknown role", "/tokens", url.Values{"name": {"x"}, "role": {"boss"}, "expires": {"30d"}}, "role"},
		{"bad expiry", "/tokens", url.Values{"name": {"x"}, "role": {"viewer"}, "expires": {"soon"}}, "expires"},
		{"too long", "/tokens", url.Values{"name": {"x"}, "role": {"viewer"}, "expires": {"800d"}}, "expires"},
		{"revoke without reason", revoke, url.Values{}, "reason"},
		{"end sessions of nobody", "/sessions/end", url.Values{"reason": {"left"}}, "subject"},
		{"end sessions without reason", "/sessions/end", url.Values{"subject": {"oid-dana"}}, "reason"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			page := tc.do(t, "admin", http.MethodPost, "/admin"+tt.path, cloneForm(tt.form))
			if page.Code != http.StatusBadRequest || !strings.Contains(page.Body.String(), "Nothing was changed. "+tt.field+":") {
				t.Errorf("page: %d, want 400 naming %s: %s", page.Code, tt.field, page.Body)
			}
			api := tc.do(t, "admin", http.MethodPost, "/api/v1"+tt.path, cloneForm(tt.form))
			var got struct{ Error Error }
			_ = json.Unmarshal(api.Body.Bytes(), &got)
			if api.Code != http.StatusBadRequest || got.Error.Field != tt.field {
				t.Errorf("API: %d, field %q; want 400 naming %s: %s", api.Code, got.Error.Field, tt.field, api.Body)
			}
		})
	}
	tokens, err := tc.App.Tokens(t.Context())
	if err != nil || len(tokens) != 1 || tokens[0].RevokedAt != nil {
		t.Errorf("after refused requests the store has %d token(s) (%v), want the one, not revoked", len(tokens), err)
	}
}

func cloneForm(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// TestAdmin_RevokeToken: a token revoked from the page authenticates nothing, and
// revoking it again through the API is answered 404.
func TestAdmin_RevokeToken(t *testing.T) {
	tc := newTestConsole(t)
	made, err := tc.App.CreateToken(t.Context(), app.LocalPrincipal(), "ci", auth.Operator, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bearer(t, tc, made.Token); err != nil {
		t.Fatalf("the new token does not authenticate: %v", err)
	}
	id := strconv.FormatUint(uint64(made.Row.ID), 10)
	w := tc.do(t, "admin", http.MethodPost, "/admin/tokens/"+id+"/revoke", url.Values{"reason": {"leaked in a ticket"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/admin?done="+url.QueryEscape("Token "+id+" revoked.") {
		t.Fatalf("revoke: %d to %q", w.Code, w.Header().Get("Location"))
	}
	if _, err := bearer(t, tc, made.Token); err == nil {
		t.Error("the revoked token still authenticates")
	}
	if e := recordedOnce(t, tc, app.ActionTokenRevoke, "token "+id); e.Detail != "leaked in a ticket" || e.Outcome != "" {
		t.Errorf("audit entry %+v", e)
	}
	page := tc.do(t, "admin", http.MethodGet, "/admin", nil).Body.String()
	if !strings.Contains(page, "revoked</span>") || !strings.Contains(page, "leaked in a ticket") {
		t.Errorf("the page does not show the token revoked")
	}
	again := tc.do(t, "admin", http.MethodPost, "/api/v1/tokens/"+id+"/revoke", url.Values{"reason": {"twice"}})
	if again.Code != http.StatusNotFound {
		t.Errorf("revoking again: %d, want 404: %s", again.Code, again.Body)
	}
}

// TestAdmin_Sessions: the page and API list who is signed in, never a session's id,
// and ending a person's sessions from the page leaves the others'.
func TestAdmin_Sessions(t *testing.T) {
	tc := newTestConsole(t)
	now := tc.App.Now()
	for i, who := range []string{"oid-dana", "oid-lee", "oid-dana"} {
		s := store.ConsoleSession{ID: "session-id-" + strconv.Itoa(i), Subject: who, Name: who + "@msp.example", Role: "operator", Via: auth.ViaSession,
			CreatedAt: now, ExpiresAt: now.Add(time.Hour), LastSeenAt: now}
		if err := tc.App.Store.CreateSession(t.Context(), &s); err != nil {
			t.Fatal(err)
		}
	}
	page := tc.do(t, "admin", http.MethodGet, "/admin", nil).Body.String()
	api := tc.do(t, "admin", http.MethodGet, "/api/v1/admin", nil)
	var got adminPage
	if err := json.Unmarshal(api.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Sessions) != 3 || !strings.Contains(page, "oid-lee@msp.example") {
		t.Errorf("API lists %d sessions, want 3; page names Lee: %v", len(got.Sessions), strings.Contains(page, "oid-lee@msp.example"))
	}
	if strings.Contains(page, "session-id-") || strings.Contains(api.Body.String(), "session-id-") {
		t.Error("a session's id is shown")
	}
	w := tc.do(t, "admin", http.MethodPost, "/admin/sessions/end", url.Values{"subject": {"oid-dana"}, "reason": {"left the company"}})
	if w.Code != http.StatusSeeOther || strings.Contains(w.Header().Get("Location"), "dana") {
		t.Fatalf("end: %d to %q, want a redirect naming nobody", w.Code, w.Header().Get("Location"))
	}
	left, err := tc.App.SessionRows(t.Context())
	if err != nil || len(left) != 1 || left[0].Subject != "oid-lee" {
		t.Errorf("sessions left: %+v, %v; want Lee's", left, err)
	}
	if e := recordedOnce(t, tc, app.ActionSessionEnd, "console sessions"); !strings.Contains(e.Detail, "left the company") {
		t.Errorf("audit entry %+v", e)
	}
	var ended sessionsEnded
	w = tc.do(t, "admin", http.MethodPost, "/api/v1/sessions/end", url.Values{"subject": {"oid-lee"}, "reason": {"moved team"}})
	if err := json.Unmarshal(w.Body.Bytes(), &ended); err != nil || ended.Ended != 1 {
		t.Errorf("API end: %d %s, want 1 ended", w.Code, w.Body)
	}
}

// TestAdmin_TestReceiver: page and API hand a test message to a webhook; a receiver
// that refuses it is answered 502 with why, an unknown one 404, and the webhook's
// URL (a secret) is never shown.
func TestAdmin_TestReceiver(t *testing.T) {
	tc := newTestConsole(t)
	tc.Log = zerolog.New(zerolog.NewTestWriter(t))
	hook := notifytest.NewHook(t)
	hookURL := hook.URL + "/hook?token=console-secret-token"
	t.Setenv("CUSTOS_TEST_HOOK_URL", hookURL)
	t.Setenv("CUSTOS_TEST_HOOK_SECRET", "hmac-key-of-the-test")
	tc.App.Config.Notify.Receivers = append(tc.App.Config.Notify.Receivers, config.Receiver{Name: "hook", Type: "webhook",
		Webhook: config.Webhook{URL: secret.Ref{Env: "CUSTOS_TEST_HOOK_URL"}, HMACSecret: secret.Ref{Env: "CUSTOS_TEST_HOOK_SECRET"}}})

	page := tc.do(t, "admin", http.MethodGet, "/admin", nil).Body.String()
	if !strings.Contains(page, `action="/admin/receivers/hook/test"`) {
		t.Fatalf("the page offers no test of receiver hook")
	}
	w := tc.do(t, "admin", http.MethodPost, "/admin/receivers/hook/test", url.Values{})
	if w.Code != http.StatusSeeOther || hook.Requests() != 1 || !strings.Contains(string(hook.Delivered()[0]), "Custos test message") {
		t.Fatalf("page test: %d, %d request(s): %s", w.Code, hook.Requests(), w.Body)
	}
	var sent receiverTested
	w = tc.do(t, "admin", http.MethodPost, "/api/v1/receivers/hook/test", url.Values{})
	if err := json.Unmarshal(w.Body.Bytes(), &sent); err != nil || w.Code != http.StatusOK || sent.Receiver != "hook" || !strings.HasPrefix(sent.Key, "custos-test-") {
		t.Fatalf("API test: %d %s", w.Code, w.Body)
	}
	last := tc.Audit.all()[len(tc.Audit.all())-1]
	if last.Action != "testReceiver" || last.Target != "receiver hook" || last.Detail != "test message "+sent.Key {
		t.Errorf("audit entry %+v", last)
	}

	hook.Down(http.StatusInternalServerError)
	failed := tc.do(t, "admin", http.MethodPost, "/api/v1/receivers/hook/test", url.Values{})
	var got struct{ Error Error }
	_ = json.Unmarshal(failed.Body.Bytes(), &got)
	if failed.Code != http.StatusBadGateway || got.Error.Code != "receiver_failed" || !strings.Contains(got.Error.Message, "500") {
		t.Errorf("a failing receiver: %d %s, want 502 saying it answered 500", failed.Code, failed.Body)
	}
	failedPage := tc.do(t, "admin", http.MethodPost, "/admin/receivers/hook/test", url.Values{})
	if failedPage.Code != http.StatusBadGateway || !strings.Contains(failedPage.Body.String(), "did not take the test message") {
		t.Errorf("a failing receiver, page: %d %s", failedPage.Code, failedPage.Body)
	}
	unknown := tc.do(t, "admin", http.MethodPost, "/api/v1/receivers/pager/test", url.Values{})
	if unknown.Code != http.StatusNotFound || !strings.Contains(unknown.Body.String(), `no receiver is named \"pager\"`) {
		t.Errorf("an unknown receiver: %d %s", unknown.Code, unknown.Body)
	}
	api := tc.do(t, "admin", http.MethodGet, "/api/v1/admin", nil).Body.String()
	notifytest.AssertNoSecret(t, hookURL, page, api, failed.Body.String(), failedPage.Body.String())
}

// TestAdmin_SettingsShowNoSecret: the settings are config show's, with the demo's
// secret files named and their contents nowhere on the page or in the API.
func TestAdmin_SettingsShowNoSecret(t *testing.T) {
	tc := newTestConsole(t)
	page := tc.do(t, "admin", http.MethodGet, "/admin", nil).Body.String()
	api := tc.do(t, "admin", http.MethodGet, "/api/v1/admin", nil).Body.String()
	settings, err := tc.App.Settings()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(settings, "seal.key") || !strings.Contains(page, "seal.key") || !strings.Contains(api, "seal.key") {
		t.Errorf("the settings do not say where the seal key is kept:\n%s", settings)
	}
	refs := []secret.Ref{tc.App.Config.Seal.Key, tc.App.Config.Report.SigningKey}
	checked := 0
	for _, ref := range refs {
		v, err := ref.Load()
		if err != nil || v.IsZero() {
			continue
		}
		checked++
		for where, text := range map[string]string{"page": page, "API": api} {
			if strings.Contains(text, v.Reveal()) || strings.Contains(text, strings.TrimSpace(v.Reveal())) {
				t.Errorf("the %s shows the value of %s", where, ref)
			}
		}
	}
	if checked < 2 {
		t.Errorf("checked %d secrets, want the demo's seal and signing keys at least", checked)
	}
}

// TestAdmin_NavOnlyForAdmins: the navigation offers the admin page to admins only.
func TestAdmin_NavOnlyForAdmins(t *testing.T) {
	tc := newTestConsole(t)
	for _, role := range auth.Roles {
		body := tc.do(t, role.String(), http.MethodGet, "/audit", nil).Body.String()
		if got, want := strings.Contains(body, `href="/admin"`), role == auth.Admin; got != want {
			t.Errorf("%s: Admin in the navigation %v, want %v", role, got, want)
		}
	}
}

// recordedOnce checks that a change the service records itself is in the stored
// audit trail once, newest, as action on target from the request's address, and
// that the console did not record it again; it returns the stored entry.
func recordedOnce(t *testing.T, tc *testConsole, action, target string) store.AuditEntry {
	t.Helper()
	trail, err := tc.App.AuditTrail(t.Context(), store.AuditFilter{})
	if err != nil || len(trail) == 0 {
		t.Fatalf("audit trail: %d entries, %v", len(trail), err)
	}
	e := trail[0]
	if e.Action != action || e.Target != target || e.FromAddress != "192.0.2.1" {
		t.Errorf("newest stored entry %s on %q from %q, want %s on %q from the request's 192.0.2.1", e.Action, e.Target, e.FromAddress, action, target)
	}
	for _, c := range tc.Audit.all() {
		if c.Target == target && c.Outcome == "" {
			t.Errorf("the console recorded %s on %q again, as %s", action, target, c.Action)
		}
	}
	return e
}
