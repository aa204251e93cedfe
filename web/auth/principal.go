package auth

import (
	"cmp"
	"context"
	"errors"
	"strings"
	"time"
)

// How a principal proved who it is.
const (
	// ViaSession is a browser session begun by signing in with Entra ID.
	ViaSession = "session"
	// ViaToken is an API token sent as a bearer token.
	ViaToken = "token"
	// ViaLocal is `custos console`'s one-off local session.
	ViaLocal = "local"
)

// Principal is who makes a request, as the audit trail names them.
type Principal struct {
	// Subject identifies them for good: the Entra object id, "token:<id>", or
	// "local:<user>".
	Subject string
	// Name is what people read: the sign-in name, or the token's name.
	Name string
	// Role is what they may do.
	Role Role
	// Via is how they proved it: ViaSession, ViaToken or ViaLocal.
	Via string
	// CSRF is the token a form or a cookie-authenticated API call must send back;
	// empty for bearer tokens, which a browser never sends by itself.
	CSRF string
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal ctx carries, if any.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// ErrNoCredentials is what authenticating a request that carries no session and no
// token returns: a browser is sent to sign in, an API client answered 401.
var ErrNoCredentials = errors.New("not signed in: no session cookie and no bearer token")

// Change is one change made through the console or the API, as the audit trail
// keeps it: who did what to what, when, from where, and how it ended.
type Change struct {
	At time.Time
	By Principal
	// From is the client's address (the proxy's forwarded address when the proxy is
	// trusted).
	From string
	// Action names what was done, e.g. "finding.acknowledge".
	Action string
	// Target names what it was done to, e.g. "finding 42".
	Target string
	// Detail says more: the note, the reason, the values given.
	Detail string
	// Outcome is empty when the change was made, else why it was refused or failed.
	Outcome string
	// Recorded says that the service which made the change wrote it to the audit
	// trail itself (API tokens and sessions, which the command line changes too), so
	// the console must not write it again. It is not stored.
	Recorded bool
}

type clientKey struct{}

// WithClientAddress returns ctx carrying the address the request making a change
// comes from, for a service that records the change itself.
func WithClientAddress(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientKey{}, addr)
}

// ClientAddressFrom returns the address ctx carries; "" for none (the command line).
func ClientAddressFrom(ctx context.Context) string {
	addr, _ := ctx.Value(clientKey{}).(string)
	return addr
}

// Who names the principal as the records they change keep it (a finding's history,
// an authorisation's recorder): their name, or their subject when they have none.
func (p Principal) Who() string { return cmp.Or(strings.TrimSpace(p.Name), p.Subject) }
