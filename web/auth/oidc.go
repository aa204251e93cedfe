package auth

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/custos-msp/custos/config"
)

// Actions the service records in the audit trail.
const (
	ActionSignIn  = "auth.signin"
	ActionSignOut = "auth.signout"
)

// flow is a sign-in in progress, carried by the browser in a cookie signed with
// the service's flow key, so that whichever replica Entra sends the browser back to
// can finish it.
type flow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"x"`
	Expires  int64  `json:"e"`
}

// flowKey derives the key that signs the sign-in cookie from the app's secret and
// identity, which every replica has.
func flowKey(secret string, e config.WebEntra) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("custos sign-in flow\x00" + e.TenantID + "\x00" + e.ClientID))
	return m.Sum(nil)
}

// sealFlow writes f as a cookie value: payload.signature, both base64url.
func (s *Service) sealFlow(f flow) (string, error) {
	b, err := json.Marshal(f)
	if err != nil {
		return "", fmt.Errorf("auth: encoding the sign-in: %w", err)
	}
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + base64.RawURLEncoding.EncodeToString(s.flowMAC(payload)), nil
}

func (s *Service) flowMAC(payload string) []byte {
	m := hmac.New(sha256.New, s.flowKey)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// openFlow reads the sign-in cookie of r, checking its signature and age.
func (s *Service) openFlow(r *http.Request) (flow, error) {
	var f flow
	c, err := r.Cookie(flowCookie)
	if err != nil {
		return f, errors.New("no sign-in was started in this browser (or it took longer than ten minutes)")
	}
	payload, sig, _ := strings.Cut(c.Value, ".")
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(mac, s.flowMAC(payload)) {
		return f, errors.New("the sign-in cookie was not made by Custos")
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err == nil {
		err = json.Unmarshal(b, &f)
	}
	if err != nil {
		return f, fmt.Errorf("reading the sign-in cookie: %w", err)
	}
	if s.now().Unix() > f.Expires {
		return f, errors.New("the sign-in took longer than ten minutes")
	}
	return f, nil
}

// localPath returns next if it is a path of this site (so that signing in never
// redirects elsewhere), else "/".
func localPath(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(next, "/") ||
		strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return "/"
	}
	return next
}

// signIn starts signing in through Entra: a new state, nonce and PKCE verifier go
// into the sign-in cookie, and the browser to Entra's authorize endpoint.
func (s *Service) signIn(w http.ResponseWriter, r *http.Request) {
	if !s.entraOn() {
		page(w, http.StatusNotFound, "Sign-in is not configured", "Signing in through Microsoft Entra ID is not configured on this server (web.entra.tenant_id). Use an API token, or `custos console` on the server.", "")
		return
	}
	_, cfg, err := s.oauth(r.Context())
	if err != nil {
		s.log.Error().Err(err).Msg("sign-in cannot start")
		page(w, http.StatusBadGateway, "Sign-in is unavailable", "Custos cannot reach Microsoft Entra ID to sign you in. Try again in a minute; if it persists, tell whoever runs Custos.", "")
		return
	}
	f := flow{Verifier: oauth2.GenerateVerifier(), Next: localPath(r.URL.Query().Get("next")), Expires: s.now().Add(flowLifetime).Unix()}
	if f.State, err = randomValue(24); err == nil {
		f.Nonce, err = randomValue(24)
	}
	var value string
	if err == nil {
		value, err = s.sealFlow(f)
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: flowCookie, Value: value, Path: "/auth/", MaxAge: int(flowLifetime / time.Second),
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, cfg.AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)), http.StatusFound)
}

// claims are what Custos reads of an Entra ID token.
type claims struct {
	OID               string   `json:"oid"`
	Tid               string   `json:"tid"`
	PreferredUsername string   `json:"preferred_username"`
	Name              string   `json:"name"`
	Roles             []string `json:"roles"`
	Groups            []string `json:"groups"`
}

// refusal is a sign-in refused: what the person is told, and what the audit
// trail and the log say.
type refusal struct {
	status  int
	message string
	reason  error
}

func (e *refusal) Error() string { return e.reason.Error() }

func refuse(status int, message string, reason error) *refusal {
	return &refusal{status: status, message: message, reason: reason}
}

// callback finishes signing in: the state must be the browser's, the code is
// exchanged (with the PKCE verifier) for an ID token that must verify (issuer,
// audience, expiry, signature) and carry the nonce, and the person's app roles and
// groups must map to a role. Only then is a session made.
func (s *Service) callback(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: flowCookie, Path: "/auth/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	who, next, err := s.finishSignIn(r)
	if err == nil {
		err = s.startSession(w, r, who, next)
	}
	if err == nil {
		return
	}
	var ref *refusal
	if !errors.As(err, &ref) {
		s.fail(w, err)
		return
	}
	change := Change{By: who, Action: ActionSignIn, Target: "console", Outcome: "refused: " + ref.reason.Error()}
	if err := s.record(r.Context(), r, change); err != nil {
		s.log.Error().Err(err).Msg("a refused sign-in was not recorded")
	}
	s.log.Warn().Str("from", s.ClientAddr(r)).Str("reason", ref.reason.Error()).Msg("sign-in refused")
	page(w, ref.status, "Sign-in refused", ref.message, s.url("/auth/signin"))
}

// finishSignIn checks Entra's answer and returns who signed in (as much as is
// known when refused) and where they were going.
func (s *Service) finishSignIn(r *http.Request) (Principal, string, error) {
	var who Principal
	if !s.entraOn() {
		return who, "", refuse(http.StatusNotFound, "Signing in through Microsoft Entra ID is not configured on this server.", errors.New("Entra sign-in is not configured"))
	}
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		// Anyone can write this query: it is not shown, and kept short.
		return who, "", refuse(http.StatusForbidden, "Microsoft Entra ID did not sign you in. Try again, or ask whoever runs Custos.",
			fmt.Errorf("Entra answered %s", clip(e+": "+q.Get("error_description"), 300)))
	}
	f, err := s.openFlow(r)
	if err != nil {
		return who, "", refuse(http.StatusBadRequest, "This sign-in cannot be finished: "+err.Error()+". Start again.", err)
	}
	if !hmac.Equal([]byte(q.Get("state")), []byte(f.State)) {
		return who, "", refuse(http.StatusBadRequest, "This sign-in was not started in this browser. Start again.", errors.New("the state does not match the sign-in started in this browser"))
	}
	ctx := oidc.ClientContext(r.Context(), s.client)
	provider, cfg, err := s.oauth(ctx)
	if err != nil {
		return who, "", err
	}
	tok, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(f.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return who, "", refuse(http.StatusForbidden, "Microsoft Entra ID refused the sign-in code. Start again.", fmt.Errorf("redeeming the code: %s: %s", re.ErrorCode, re.ErrorDescription))
		}
		return who, "", fmt.Errorf("auth: redeeming the sign-in code: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return who, "", refuse(http.StatusForbidden, "Microsoft Entra ID sent no ID token.", errors.New("the token response holds no id_token"))
	}
	id, err := provider.Verifier(&oidc.Config{ClientID: cfg.ClientID, Now: s.now, SupportedSigningAlgs: []string{oidc.RS256}}).Verify(ctx, raw)
	if err != nil {
		return who, "", refuse(http.StatusForbidden, "The ID token from Microsoft Entra ID is not valid.", fmt.Errorf("verifying the ID token: %w", err))
	}
	var c claims
	if err := id.Claims(&c); err != nil {
		return who, "", refuse(http.StatusForbidden, "The ID token from Microsoft Entra ID cannot be read.", fmt.Errorf("reading the ID token's claims: %w", err))
	}
	who = Principal{Subject: c.OID, Name: cmp.Or(c.PreferredUsername, c.Name), Via: ViaSession}
	switch {
	case !hmac.Equal([]byte(id.Nonce), []byte(f.Nonce)):
		return who, "", refuse(http.StatusForbidden, "The ID token from Microsoft Entra ID was not issued for this sign-in. Start again.", errors.New("the ID token's nonce is not this sign-in's"))
	case c.Tid != s.opts.Web.Entra.TenantID || c.OID == "":
		// The outcome is not sealed: it names the tenant, never the person.
		return who, "", refuse(http.StatusForbidden, "The ID token is not for a person of this tenant.",
			fmt.Errorf("the ID token is of tenant %q, or names no object id", c.Tid))
	}
	who.Role = s.roleOf(c)
	if who.Role == 0 {
		return who, "", refuse(http.StatusForbidden, fmt.Sprintf("You signed in as %s, but none of your app roles or groups gives you a role in Custos. Ask whoever runs Custos to assign you one of its app roles in Microsoft Entra ID.", who.Name),
			errors.New("no app role or group of theirs maps to a Custos role"))
	}
	return who, f.Next, nil
}

// roleOf is the highest role the person's app roles and groups map to; 0 if none.
func (s *Service) roleOf(c claims) Role {
	var best Role
	for _, v := range slices.Concat(c.Roles, c.Groups) {
		if r := s.roles[v]; r > best {
			best = r
		}
	}
	return best
}

// clip keeps the first n characters of s.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// fail answers a request that went wrong on Custos's side.
func (s *Service) fail(w http.ResponseWriter, err error) {
	s.log.Error().Err(err).Msg("sign-in failed")
	page(w, http.StatusInternalServerError, "Sign-in failed", "Something went wrong on the server; it is in its log. Try again.", "")
}
