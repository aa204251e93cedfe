package app

import (
	"context"
	"fmt"
	"net/http"
	"os/user"
	"strings"
	"time"

	"github.com/custos-msp/custos/httpsafe"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/web/auth"
)

// Actions of the API tokens and sessions in the audit trail.
const (
	ActionTokenCreate = "token.create"
	ActionTokenRevoke = "token.revoke"
	ActionSessionEnd  = "session.end"
)

// MaxTokenLifetime is the longest an API token may last.
const MaxTokenLifetime = 730 * 24 * time.Hour

// entraTimeout bounds one request of sign-in to Entra ID.
const entraTimeout = 30 * time.Second

// RecordChange writes c to the audit trail (at the clock's time when c has none,
// from the client address ctx carries when c names none). The console's pages and
// API record every change through it.
func (a *App) RecordChange(ctx context.Context, c auth.Change) error {
	if c.At.IsZero() {
		c.At = a.now()
	}
	if c.From == "" {
		c.From = auth.ClientAddressFrom(ctx)
	}
	e := auth.EntryOf(c)
	return a.Store.RecordAudit(ctx, &e)
}

// AuditTrail lists the audit trail's entries that f keeps, newest first.
func (a *App) AuditTrail(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error) {
	return a.Store.AuditEntries(ctx, f)
}

// AuditActions lists the actions the audit trail holds, for a filter to offer.
func (a *App) AuditActions(ctx context.Context) ([]string, error) { return a.Store.AuditActions(ctx) }

// LocalPrincipal is the operating system's user running the command line, as the
// audit trail names them: an admin, ViaLocal (whoever has the server's shell and
// its configuration has the database).
func LocalPrincipal() auth.Principal {
	name := "unknown"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	return auth.Principal{Subject: "local:" + name, Name: name, Role: auth.Admin, Via: auth.ViaLocal}
}

// AuthOptions are what the caller adds to [web] for the sign-in service.
type AuthOptions struct {
	// PublicURL replaces web.public_url (`custos console`'s local listener).
	PublicURL string
	// HTTPClient reaches Entra ID; one trusting web.entra.ca_file when nil.
	HTTPClient *http.Client
}

// AuthService returns the service that signs people in to the console and
// authenticates its requests, on this App's store, clock and audit trail.
func (a *App) AuthService(opts AuthOptions) (*auth.Service, error) {
	w := a.Config.Web
	var secret string
	if w.Entra.TenantID != "" {
		v, err := w.Entra.ClientSecret.Load()
		if err != nil {
			return nil, fmt.Errorf("web.entra.client_secret: %w", err)
		}
		a.redactor.Add(v)
		secret = v.Reveal()
	}
	client := opts.HTTPClient
	if client == nil {
		t, err := httpsafe.Transport(w.Entra.CAFile)
		if err != nil {
			return nil, fmt.Errorf("web.entra.ca_file: %w", err)
		}
		client = &http.Client{Transport: t, Timeout: entraTimeout}
	}
	local := LocalPrincipal()
	return auth.NewService(auth.Options{
		Web: w, ClientSecret: secret, PublicURL: opts.PublicURL, Store: a.Store, Audit: a, Now: a.now,
		Log: a.Log.With().Str("component", "auth").Logger(), HTTPClient: client, LocalUser: local.Name,
	})
}

// NewToken is an API token just made: the token itself is in Token, shown once.
type NewToken struct {
	Row   store.APIToken
	Token string
}

// CreateToken makes an API token named name with role, lasting lifetime, for by,
// and records it in the audit trail. Only its hash is kept. A bad name, role or
// lifetime is a *FieldError.
func (a *App) CreateToken(ctx context.Context, by auth.Principal, name string, role auth.Role, lifetime time.Duration) (NewToken, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return NewToken{}, &FieldError{Field: "name", Message: "a token needs a name that says what uses it"}
	case lifetime <= 0 || lifetime > MaxTokenLifetime:
		return NewToken{}, &FieldError{Field: "expires", Message: fmt.Sprintf("a token lasts between 1s and %s, not %s", MaxTokenLifetime, lifetime)}
	case !role.Allows(auth.Viewer):
		return NewToken{}, &FieldError{Field: "role", Message: fmt.Sprintf("%s is not a role", role)}
	}
	token, hash, err := auth.NewToken()
	if err != nil {
		return NewToken{}, err
	}
	now := a.now()
	row := store.APIToken{Name: name, Role: role.String(), Hash: hash, CreatedBy: by.Name, CreatedAt: now, ExpiresAt: now.Add(lifetime)}
	if err := a.Store.CreateToken(ctx, &row); err != nil {
		return NewToken{}, err
	}
	err = a.RecordChange(ctx, auth.Change{At: now, By: by, Action: ActionTokenCreate, Target: fmt.Sprintf("token %d", row.ID),
		Detail: fmt.Sprintf("%s, %s, expires %s", name, role, row.ExpiresAt.Format(time.RFC3339))})
	if err != nil {
		return NewToken{}, err
	}
	return NewToken{Row: row, Token: token}, nil
}

// Tokens lists the API tokens kept, newest first (their hashes, never the tokens).
func (a *App) Tokens(ctx context.Context) ([]store.APIToken, error) { return a.Store.Tokens(ctx) }

// RevokeToken revokes API token id for by, because of reason, and records it in the
// audit trail: the token authenticates nothing from now on.
func (a *App) RevokeToken(ctx context.Context, by auth.Principal, id uint, reason string) error {
	now := a.now()
	if err := a.Store.RevokeToken(ctx, id, now, by.Name, reason); err != nil {
		return err
	}
	return a.RecordChange(ctx, auth.Change{At: now, By: by, Action: ActionTokenRevoke, Target: fmt.Sprintf("token %d", id), Detail: reason})
}

// Sessions lists the console sessions live now, newest first. A session's id is the
// SHA-256 of its cookie: it names the session and signs nobody in.
func (a *App) Sessions(ctx context.Context) ([]store.ConsoleSession, error) {
	return a.Store.Sessions(ctx, a.now())
}

// EndSessionsOf ends every live console session of subject (an Entra object id or
// local:<user>) for by, because of reason, and records it: someone who left, or
// whose role was taken away in Entra, is signed out on every replica at once rather
// than at the end of their sessions. It returns how many sessions it ended.
func (a *App) EndSessionsOf(ctx context.Context, by auth.Principal, subject, reason string) (int, error) {
	if strings.TrimSpace(reason) == "" {
		return 0, &FieldError{Field: "reason", Message: "say why the sessions end"}
	}
	live, err := a.Sessions(ctx)
	if err != nil {
		return 0, err
	}
	ended := 0
	for _, s := range live {
		if s.Subject != subject {
			continue
		}
		ok, err := a.Store.DeleteSession(ctx, s.ID)
		if err != nil {
			return ended, err
		}
		if ok {
			ended++
		}
	}
	// The subject names a person: it goes in the detail, which is sealed, not the target.
	return ended, a.RecordChange(ctx, auth.Change{By: by, Action: ActionSessionEnd, Target: "console sessions",
		Detail: fmt.Sprintf("%d of %s ended: %s", ended, subject, reason)})
}
