package console

import (
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"net/url"

	"github.com/custos-msp/custos/web/auth"
)

// CSRFField is the form field, and CSRFHeader the header of a script's request, that
// carry a browser session's CSRF token.
const (
	CSRFField  = "csrf"
	CSRFHeader = "X-CSRF-Token"
)

// maxForm bounds a form or JSON body; a CSV import is the largest.
const maxForm = 4 << 20

// guard is the one place that decides whether a request may reach a route: it
// authenticates, checks the route's role and, for a change from a browser, the CSRF
// token; it writes every change, made or refused, to the audit trail.
func (c *Console) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := c.Auth.Authenticate(r)
		switch {
		case errors.Is(err, auth.ErrNoCredentials) && !rt.API() && rt.Method == http.MethodGet:
			http.Redirect(w, r, "/auth/signin?next="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
			return
		case err != nil:
			w.Header().Set("WWW-Authenticate", `Bearer realm="custos"`)
			c.fail(w, r, rt, auth.Principal{}, &Error{Status: http.StatusUnauthorized, Code: "unauthenticated", Message: err.Error()})
			return
		}
		r = r.WithContext(auth.WithPrincipal(r.Context(), p))
		if !p.Role.Allows(rt.Need) {
			c.refuse(w, r, rt, p, &Error{Status: http.StatusForbidden, Code: "forbidden",
				Message: "this needs the " + rt.Need.String() + " role; you have " + p.Role.String()})
			return
		}
		if rt.Changes() {
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			if err := checkCSRF(r, p); err != nil {
				c.refuse(w, r, rt, p, err)
				return
			}
		}
		r = r.WithContext(auth.WithClientAddress(r.Context(), c.ClientAddress(r)))
		res, err := rt.Do(r, p)
		if rt.Changes() && (err != nil || !res.Change.Recorded) {
			c.audit(r, rt, p, res.Change, err)
		}
		if err != nil {
			c.fail(w, r, rt, p, err)
			return
		}
		c.write(w, r, rt, p, res)
	})
}

// refuse answers a refused change or read, and writes a refused change to the audit
// trail.
func (c *Console) refuse(w http.ResponseWriter, r *http.Request, rt route, p auth.Principal, e *Error) {
	if rt.Changes() {
		c.audit(r, rt, p, auth.Change{}, e)
	}
	c.fail(w, r, rt, p, e)
}

// checkCSRF asks a change made with a browser session for the session's CSRF token,
// in the form or in a header; bearer tokens are never sent by a browser on its own,
// so their requests need none.
func checkCSRF(r *http.Request, p auth.Principal) *Error {
	if p.Via == auth.ViaToken {
		return nil
	}
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		got = r.PostFormValue(CSRFField)
	}
	if p.CSRF == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.CSRF)) != 1 {
		return &Error{Status: http.StatusForbidden, Code: "csrf",
			Message: "the form's security token is missing or stale; reload the page and try again"}
	}
	return nil
}

// audit writes a change, made or refused, to the audit trail. A change the trail
// could not record is logged: the change itself is already made.
func (c *Console) audit(r *http.Request, rt route, p auth.Principal, ch auth.Change, err error) {
	ch.At = c.App.Now()
	ch.By = p
	ch.From = c.ClientAddress(r)
	if ch.Action == "" {
		ch.Action = rt.Name
	}
	if err != nil {
		ch.Outcome = "refused: " + err.Error()
		if e, known := asError(err); !known {
			ch.Outcome = "failed: " + e.Message
		}
	}
	if err := c.Audit.RecordChange(r.Context(), ch); err != nil {
		c.Log.Error().Err(err).Str("route", rt.Pattern).Str("action", ch.Action).Msg("console: the audit trail could not record a change")
	}
}

// secureHeaders sets what every answer of the console carries: a strict Content
// Security Policy (only the console's own scripts, styles and forms), no framing, no
// sniffing, no referrer (so no path leaves with a link), and no caching of pages
// that show customers' data.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if h.Get("Cache-Control") == "" {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// remoteHost is the address a request comes from when no proxy is trusted.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
