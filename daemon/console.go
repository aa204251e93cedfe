package daemon

import (
	"fmt"
	"net"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/web"
	"github.com/custos-msp/custos/web/auth"
	"github.com/custos-msp/custos/web/console"
)

// ConsoleOptions change, for `custos console`, how the console of [web] is served.
type ConsoleOptions struct {
	// Listen replaces web.listen.
	Listen string
	// Local serves plain HTTP at the address bound, which is then the public URL:
	// a one-off session on the server itself, signed in by LocalLink.
	Local bool
}

// Console is the console being served.
type Console struct {
	Server *web.Server
	Auth   *auth.Service
	// URL is where people reach it: web.public_url, or the local address.
	URL string
}

// StartConsole serves the console and its API for a on web.listen (or opts.Listen),
// over TLS when web.tls_cert and web.tls_key name a certificate, and returns once
// the address is bound. `custos run` and `custos console` both start it here.
func StartConsole(a *app.App, opts ConsoleOptions) (*Console, error) {
	w := a.Config.Web
	addr := w.Listen
	if opts.Listen != "" {
		addr = opts.Listen
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("web.listen: listening on %s: %w", addr, err)
	}
	started := false
	defer func() {
		if !started {
			_ = ln.Close()
		}
	}()
	c := &Console{URL: w.PublicURL}
	certFile, keyFile := a.Config.Resolve(w.TLSCert), a.Config.Resolve(w.TLSKey)
	if opts.Local {
		c.URL, certFile, keyFile = "http://"+ln.Addr().String(), "", ""
	}
	if c.Auth, err = a.AuthService(app.AuthOptions{PublicURL: c.URL}); err != nil {
		return nil, err
	}
	cons, err := console.New(console.Deps{
		App: a, Auth: c.Auth, Audit: a, Log: a.Log.With().Str("component", "console").Logger(),
		ClientAddress: c.Auth.ClientAddr, Location: a.Config.Schedules.TimeZone.Std(),
	})
	if err != nil {
		return nil, err
	}
	if c.Server, err = web.NewConsoleServer(ln.Addr().String(), cons, certFile, keyFile, a.Log); err != nil {
		return nil, err
	}
	if err := c.Server.StartOn(ln); err != nil {
		return nil, err
	}
	started = true
	return c, nil
}
