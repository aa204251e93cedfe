// Package console serves the MSP's staff: server-rendered pages for triage, evidence,
// coverage and authorisations, and the JSON API under /api/v1 that does everything the
// pages do. Both front ends call the same services in package app as the command
// line, so a fact is computed once. Every route names the least role it needs, and one
// guard checks it (guard.go).
package console

import (
	"context"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/web/auth"
)

// Authenticator says who makes a request and serves sign-in and sign-out under
// /auth/.
type Authenticator interface {
	// Authenticate returns who makes r, or auth.ErrNoCredentials when r carries no
	// session and no token.
	Authenticate(r *http.Request) (auth.Principal, error)
	// Handler serves /auth/: sign-in, its callback, sign-out.
	Handler() http.Handler
}

// AuditTrail keeps the changes made through the console and the API.
type AuditTrail interface {
	RecordChange(ctx context.Context, c auth.Change) error
}

// Deps is what the console is built from.
type Deps struct {
	App   *app.App
	Auth  Authenticator
	Audit AuditTrail
	Log   zerolog.Logger
	// ClientAddress returns the address a request comes from, believing a trusted
	// proxy's X-Forwarded-For; r.RemoteAddr's host when nil.
	ClientAddress func(r *http.Request) string
	// Location is the time zone pages show times in; UTC when nil.
	Location *time.Location
}

// Console serves the pages and the API.
type Console struct {
	Deps
	pages   *pages
	handler http.Handler
}

// New builds the console and its routes.
func New(d Deps) (*Console, error) {
	if d.Location == nil {
		d.Location = time.UTC
	}
	if d.ClientAddress == nil {
		d.ClientAddress = remoteHost
	}
	p, err := parsePages(d.Location)
	if err != nil {
		return nil, err
	}
	c := &Console{Deps: d, pages: p}
	mux := http.NewServeMux()
	for _, rt := range c.routes() {
		mux.Handle(rt.Method+" "+rt.Pattern, c.guard(rt))
	}
	mux.Handle("/auth/", d.Auth.Handler())
	mux.Handle("GET /static/", staticFiles())
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/overview", http.StatusSeeOther)
	})
	c.handler = http.NewCrossOriginProtection().Handler(secureHeaders(mux))
	return c, nil
}

// ServeHTTP serves the console. Every answer carries the security headers, and
// cross-origin unsafe requests are refused before any route sees them
// (Sec-Fetch-Site and Origin), besides each form's CSRF token.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.handler.ServeHTTP(w, r)
}
