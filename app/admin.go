package app

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/custos-msp/custos/notify"
)

// FieldError is a request that one of its fields makes impossible: the console
// answers it 400 naming Field; the command line prints Message.
type FieldError struct {
	Field, Message string
}

func (e *FieldError) Error() string { return e.Message }

// TokenRow is an API token as `custos token list` and the console's admin page show
// it: never the token, nor its hash.
type TokenRow struct {
	ID           uint       `json:"id"`
	Name         string     `json:"name"`
	Role         string     `json:"role"`
	CreatedBy    string     `json:"created_by"`
	CreatedAt    time.Time  `json:"created_at"`
	ExpiresAt    time.Time  `json:"expires_at"`
	LastUsedAt   *time.Time `json:"last_used_at,omitempty"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
	RevokedBy    string     `json:"revoked_by,omitempty"`
	RevokeReason string     `json:"revoke_reason,omitempty"`
}

// TokenRows lists the API tokens kept, newest first, in UTC.
func (a *App) TokenRows(ctx context.Context) ([]TokenRow, error) {
	list, err := a.Tokens(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]TokenRow, len(list))
	for i, t := range list {
		out[i] = TokenRow{
			ID: t.ID, Name: t.Name, Role: t.Role, CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt.UTC(), ExpiresAt: t.ExpiresAt.UTC(),
			LastUsedAt: utcOrNil(t.LastUsedAt), RevokedAt: utcOrNil(t.RevokedAt), RevokedBy: t.RevokedBy, RevokeReason: t.RevokeReason,
		}
	}
	return out, nil
}

func utcOrNil(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// SessionRow is a console session signed in now, as the admin page shows it: never
// its id (the hash of its cookie). Subject is what EndSessionsOf takes.
type SessionRow struct {
	Subject    string    `json:"subject"`
	Name       string    `json:"name"`
	Role       string    `json:"role"`
	Via        string    `json:"via"`
	Since      time.Time `json:"since"`
	LastSeenAt time.Time `json:"last_seen_at"`
}

// SessionRows lists the console sessions live now, newest first.
func (a *App) SessionRows(ctx context.Context) ([]SessionRow, error) {
	live, err := a.Sessions(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]SessionRow, len(live))
	for i, s := range live {
		out[i] = SessionRow{Subject: s.Subject, Name: s.Name, Role: s.Role, Via: s.Via, Since: s.CreatedAt.UTC(), LastSeenAt: s.LastSeenAt.UTC()}
	}
	return out, nil
}

// ReceiverRow is a notification receiver configured: its name and type, never its
// URL or secret.
type ReceiverRow struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Receivers lists the receivers of notify.receivers, in the file's order.
func (a *App) Receivers() []ReceiverRow {
	out := make([]ReceiverRow, len(a.Config.Notify.Receivers))
	for i, r := range a.Config.Notify.Receivers {
		out[i] = ReceiverRow{Name: r.Name, Type: r.Type}
	}
	return out
}

// NoReceiverError says that notify.receivers names no receiver Name.
type NoReceiverError struct{ Name string }

func (e *NoReceiverError) Error() string {
	return fmt.Sprintf("no receiver is named %q in notify.receivers", e.Name)
}

// ReceiverError is a receiver's refusal of a message: Err says why.
type ReceiverError struct {
	Name string
	Err  error
}

func (e *ReceiverError) Error() string { return e.Err.Error() }
func (e *ReceiverError) Unwrap() error { return e.Err }

// TestReceiver sends a test message to receiver name now and returns the message's
// key. The receiver's failure is a *ReceiverError; a name no receiver has, a
// *NoReceiverError.
func (a *App) TestReceiver(ctx context.Context, name string) (string, error) {
	p, err := a.Notifier()
	if err != nil {
		return "", err
	}
	r := p.Receivers[name]
	if r == nil {
		return "", &NoReceiverError{Name: name}
	}
	now := a.now()
	m := notify.Message{
		Key: fmt.Sprintf("custos-test-%d", now.UnixNano()), Kind: notify.KindTest, CreatedAt: now,
		Title: "Custos test message", Text: "This is a test message from Custos to receiver " + name + ". Alerts will arrive here.",
	}
	if err := r.Send(ctx, m); err != nil {
		return "", &ReceiverError{Name: name, Err: err}
	}
	return m.Key, nil
}

// Settings is the effective configuration as `custos config show` prints it: the
// keys the file changes, secrets only as where they are kept.
func (a *App) Settings() (string, error) {
	var buf bytes.Buffer
	if err := WriteConfig(&buf, a.Config, false); err != nil {
		return "", err
	}
	return buf.String(), nil
}
