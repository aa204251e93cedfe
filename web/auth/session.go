package auth

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/custos-msp/custos/store"
)

// newSession makes a session's cookie value and its row for who, expiring after
// the session lifetime.
func (s *Service) newSession(who Principal) (string, store.ConsoleSession, error) {
	value, err := randomValue(32)
	if err != nil {
		return "", store.ConsoleSession{}, fmt.Errorf("auth: making a session: %w", err)
	}
	csrf, err := randomValue(32)
	if err != nil {
		return "", store.ConsoleSession{}, fmt.Errorf("auth: making a session's CSRF token: %w", err)
	}
	now := s.now()
	return value, store.ConsoleSession{
		ID: HashSecret(value), Subject: who.Subject, Name: who.Name, Role: who.Role.String(), Via: who.Via, CSRF: csrf,
		CreatedAt: now, ExpiresAt: now.Add(s.lifetime), LastSeenAt: now,
	}, nil
}

// setSessionCookie gives the browser the session's cookie value.
func (s *Service) setSessionCookie(w http.ResponseWriter, value string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: value, Path: "/", Expires: expires,
		MaxAge: int(expires.Sub(s.now()) / time.Second), HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

// startSession signs who in: a session row, its cookie, the audit trail's entry,
// and the browser on to next. If the entry cannot be written, the session goes
// again: nobody is signed in without a trace.
func (s *Service) startSession(w http.ResponseWriter, r *http.Request, who Principal, next string) error {
	value, cs, err := s.newSession(who)
	if err != nil {
		return err
	}
	if err := s.opts.Store.CreateSession(r.Context(), &cs); err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	if err := s.record(r.Context(), r, Change{By: who, Action: ActionSignIn, Target: "console"}); err != nil {
		if _, derr := s.opts.Store.DeleteSession(context.WithoutCancel(r.Context()), cs.ID); derr != nil {
			err = errors.Join(err, derr)
		}
		return err
	}
	s.setSessionCookie(w, value, cs.ExpiresAt)
	http.Redirect(w, r, next, http.StatusFound)
	return nil
}

// signOut ends the request's session: the form must send back the session's CSRF
// token (field csrf). The row goes, so no replica accepts the cookie again.
func (s *Service) signOut(w http.ResponseWriter, r *http.Request) {
	clear := &http.Cookie{Name: SessionCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		http.SetCookie(w, clear)
		page(w, http.StatusOK, "Signed out", "You are not signed in.", s.url("/auth/signin"))
		return
	}
	who, err := s.sessionPrincipal(r.Context(), c.Value)
	if errors.Is(err, ErrBadCredentials) {
		http.SetCookie(w, clear)
		page(w, http.StatusOK, "Signed out", "Your session had already ended.", s.url("/auth/signin"))
		return
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	if !hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(who.CSRF)) {
		if err := s.record(r.Context(), r, Change{By: who, Action: ActionSignOut, Target: "console", Outcome: "refused: the form's CSRF token is not the session's"}); err != nil {
			s.log.Error().Err(err).Msg("a refused sign-out was not recorded")
		}
		page(w, http.StatusForbidden, "Sign-out refused", "The sign-out form did not come from this session. Sign out from the console's own page.", "")
		return
	}
	if _, err := s.opts.Store.DeleteSession(r.Context(), HashSecret(c.Value)); err != nil {
		s.fail(w, err)
		return
	}
	http.SetCookie(w, clear)
	if err := s.record(r.Context(), r, Change{By: who, Action: ActionSignOut, Target: "console"}); err != nil {
		s.log.Error().Err(err).Msg("a sign-out was not recorded")
	}
	page(w, http.StatusOK, "Signed out", "You are signed out of Custos.", s.url("/auth/signin"))
}

// LocalLink makes a one-time sign-in link for `custos console`: following it
// within LinkLifetime signs in the local user (Options.LocalUser) with
// Options.LocalRole, ViaLocal, and goes on to next (a local path; "/" otherwise).
// Only the link's hash is stored; the link works once, on any replica.
func (s *Service) LocalLink(ctx context.Context, next string) (string, error) {
	if s.opts.LocalUser == "" {
		return "", errors.New("auth: a local sign-in link needs the local user's name")
	}
	who := Principal{Subject: "local:" + s.opts.LocalUser, Name: s.opts.LocalUser, Role: s.opts.LocalRole, Via: ViaLocal}
	value, link, err := s.newSession(who)
	if err != nil {
		return "", err
	}
	link.Link, link.ExpiresAt = true, link.CreatedAt.Add(LinkLifetime)
	if err := s.opts.Store.CreateSession(ctx, &link); err != nil {
		return "", fmt.Errorf("auth: %w", err)
	}
	return s.url("/auth/local") + "?" + url.Values{"token": {value}, "next": {localPath(next)}}.Encode(), nil
}

// local follows a local sign-in link: the link's row is swapped for a session.
func (s *Service) local(w http.ResponseWriter, r *http.Request) {
	value, cs, err := s.newSession(Principal{})
	if err != nil {
		s.fail(w, err)
		return
	}
	err = s.opts.Store.ClaimSessionLink(r.Context(), HashSecret(r.URL.Query().Get("token")), s.now(), &cs)
	if errors.Is(err, store.ErrNotFound) {
		if err := s.record(r.Context(), r, Change{By: Principal{Via: ViaLocal}, Action: ActionSignIn, Target: "console", Outcome: "refused: the local sign-in link is unknown, used or expired"}); err != nil {
			s.log.Error().Err(err).Msg("a refused sign-in was not recorded")
		}
		page(w, http.StatusForbidden, "Sign-in refused", "This sign-in link is unknown, was used already or has expired. Run `custos console` again for a new one.", "")
		return
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	role, _ := ParseRole(cs.Role)
	who := Principal{Subject: cs.Subject, Name: cs.Name, Role: role, Via: cs.Via}
	if err := s.record(r.Context(), r, Change{By: who, Action: ActionSignIn, Target: "console"}); err != nil {
		if _, derr := s.opts.Store.DeleteSession(context.WithoutCancel(r.Context()), cs.ID); derr != nil {
			err = errors.Join(err, derr)
		}
		s.fail(w, err)
		return
	}
	s.setSessionCookie(w, value, cs.ExpiresAt)
	http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusFound)
}
