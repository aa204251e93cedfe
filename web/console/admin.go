package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/web/auth"
)

// adminPage is what an admin manages: the API tokens (never a token), the console
// sessions signed in now (never a session's id), the notification receivers (name
// and type, never a URL or secret) and the effective settings as `custos config
// show` prints them (secrets only as where they are kept).
type adminPage struct {
	Tokens    []app.TokenRow    `json:"tokens"`
	Sessions  []app.SessionRow  `json:"sessions"`
	Receivers []app.ReceiverRow `json:"receivers"`
	Settings  string            `json:"settings"`
	// Roles are the choices of the token form; Created the token just made, shown
	// this once; Form and Problem the form's values and why it was refused.
	Roles   []auth.Role   `json:"-"`
	Created *tokenCreated `json:"-"`
	Form    url.Values    `json:"-"`
	Problem *Error        `json:"-"`
}

func (adminPage) PageTitle() (string, string) { return "Admin", "admin" }

// tokenCreated is a token just made: the only answer that carries the token.
type tokenCreated struct {
	ID        uint      `json:"id"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	ExpiresAt time.Time `json:"expires_at"`
	Token     string    `json:"token"`
}

// tokenRevoked, sessionsEnded and receiverTested are the API's answers to the other
// changes.
type tokenRevoked struct {
	ID uint `json:"id"`
}

type sessionsEnded struct {
	Ended int `json:"ended"`
}

type receiverTested struct {
	Receiver string `json:"receiver"`
	Key      string `json:"key"`
}

func (c *Console) adminRoutes() []route {
	refill := func(r *http.Request, _ auth.Principal, problem *Error) (any, error) {
		page, err := c.adminPage(r)
		page.Form, page.Problem = r.PostForm, problem
		return page, err
	}
	back := func(*http.Request) string { return "/admin" }
	routes := []route{
		{Method: http.MethodGet, Pattern: "/admin", Name: "showAdmin", Need: auth.Admin, Template: "admin", Do: c.showAdmin},
		{Method: http.MethodGet, Pattern: "/api/v1/admin", Name: "showAdmin", Need: auth.Admin, Do: c.showAdmin},
		// The token is shown in the answer to the form, not after a redirect: it must
		// never travel in a URL.
		{Method: http.MethodPost, Pattern: "/admin/tokens", Name: "createToken", Need: auth.Admin, Template: "admin",
			Do: func(r *http.Request, p auth.Principal) (result, error) {
				done, err := c.createToken(r, p)
				if res, ok, err := refilled(r, p, refill, done, err); ok {
					return res, err
				}
				if err != nil {
					return result{Change: done.Change}, err
				}
				page, err := c.adminPage(r)
				page.Created = done.Data.(*tokenCreated)
				return result{Data: page, Change: done.Change}, err
			}},
		{Method: http.MethodPost, Pattern: "/api/v1/tokens", Name: "createToken", Need: auth.Admin,
			Do: func(r *http.Request, p auth.Principal) (result, error) {
				done, err := c.createToken(r, p)
				return result{Data: done.Data, Status: http.StatusCreated, Change: done.Change}, err
			}},
	}
	for _, ch := range []change{
		{Name: "revokeToken", Need: auth.Admin, Form: "/admin/tokens/{id}/revoke", API: "/api/v1/tokens/{id}/revoke",
			Back: back, Do: c.revokeToken, Refill: refill, Template: "admin"},
		{Name: "endSessions", Need: auth.Admin, Form: "/admin/sessions/end", API: "/api/v1/sessions/end",
			Back: back, Do: c.endSessions, Refill: refill, Template: "admin"},
		{Name: "testReceiver", Need: auth.Admin, Form: "/admin/receivers/{name}/test", API: "/api/v1/receivers/{name}/test",
			Back: back, Do: c.testReceiver},
	} {
		routes = append(routes, ch.routes()...)
	}
	return routes
}

func (c *Console) showAdmin(r *http.Request, _ auth.Principal) (result, error) {
	page, err := c.adminPage(r)
	return result{Data: page}, err
}

// adminPage reads the tokens, sessions, receivers and settings.
func (c *Console) adminPage(r *http.Request) (adminPage, error) {
	ctx := r.Context()
	page := adminPage{Receivers: c.App.Receivers(), Roles: auth.Roles}
	var err error
	if page.Tokens, err = c.App.TokenRows(ctx); err != nil {
		return page, err
	}
	if page.Sessions, err = c.App.SessionRows(ctx); err != nil {
		return page, err
	}
	page.Settings, err = c.App.Settings()
	return page, err
}

// createToken makes the token of the form's name, role and expires, read as `custos
// token create` reads its flags; its data is the *tokenCreated, token included.
// Neither the audit trail nor the log gets the token.
func (c *Console) createToken(r *http.Request, p auth.Principal) (changed, error) {
	if err := parseForm(r); err != nil {
		return changed{}, err
	}
	v := r.PostForm
	done := changed{Change: auth.Change{Target: "token", Detail: formDetail(v, "name", "role", "expires")}}
	if err := required(v, need{"name", "what uses the token, e.g. psa-sync"}, need{"role", "viewer, auditor, operator or admin"},
		need{"expires", "how long it lasts, e.g. 90d"}); err != nil {
		return done, err
	}
	role, err := auth.ParseRole(v.Get("role"))
	if err != nil {
		return done, badField("role", "%v", err)
	}
	lifetime, err := duration.Parse(strings.TrimSpace(v.Get("expires")))
	if err != nil {
		return done, badField("expires", "%v", err)
	}
	t, err := c.App.CreateToken(r.Context(), p, v.Get("name"), role, lifetime.Std())
	if err != nil {
		return done, fieldError(err)
	}
	done.Change.Target, done.Change.Recorded = fmt.Sprintf("token %d", t.Row.ID), true
	done.Data = &tokenCreated{ID: t.Row.ID, Name: t.Row.Name, Role: t.Row.Role, ExpiresAt: t.Row.ExpiresAt.UTC(), Token: t.Token}
	return done, nil
}

func (c *Console) revokeToken(r *http.Request, p auth.Principal) (changed, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return changed{}, err
	}
	reason := strings.TrimSpace(r.PostForm.Get("reason"))
	done := changed{Change: auth.Change{Target: fmt.Sprintf("token %d", id), Detail: reason}}
	if err := required(r.PostForm, need{"reason", "why the token is revoked"}); err != nil {
		return done, err
	}
	if err := c.App.RevokeToken(r.Context(), p, id, reason); err != nil {
		return done, err
	}
	done.Change.Recorded = true
	done.Notice, done.Data = fmt.Sprintf("Token %d revoked.", id), tokenRevoked{ID: id}
	return done, nil
}

// endSessions ends every session of the form's subject: a person's id, so it comes
// in the form, never the URL.
func (c *Console) endSessions(r *http.Request, p auth.Principal) (changed, error) {
	v := r.PostForm
	subject, reason := strings.TrimSpace(v.Get("subject")), strings.TrimSpace(v.Get("reason"))
	// The subject names a person: it goes in the detail, which is sealed, not the target.
	done := changed{Change: auth.Change{Target: "console sessions", Detail: formDetail(v, "subject", "reason")}}
	if err := required(v, need{"subject", "whose sessions end"}, need{"reason", "why they end"}); err != nil {
		return done, err
	}
	n, err := c.App.EndSessionsOf(r.Context(), p, subject, reason)
	if err != nil {
		return done, fieldError(err)
	}
	done.Change.Recorded = true
	done.Notice, done.Data = fmt.Sprintf("%d session(s) ended.", n), sessionsEnded{Ended: n}
	return done, nil
}

// testReceiver sends a receiver a test message; the receiver's failure is answered
// 502 with its error.
func (c *Console) testReceiver(r *http.Request, _ auth.Principal) (changed, error) {
	name := r.PathValue("name")
	done := changed{Change: auth.Change{Target: "receiver " + name}}
	key, err := c.App.TestReceiver(r.Context(), name)
	var none *app.NoReceiverError
	var failed *app.ReceiverError
	switch {
	case errors.As(err, &none):
		return done, notFound("%v", none)
	case errors.As(err, &failed):
		return done, &Error{Status: http.StatusBadGateway, Code: "receiver_failed",
			Message: fmt.Sprintf("receiver %s did not take the test message: %v", name, failed)}
	case err != nil:
		return done, err
	}
	done.Change.Detail = "test message " + key
	done.Notice, done.Data = fmt.Sprintf("Test message %s handed to %s.", key, name), receiverTested{Receiver: name, Key: key}
	return done, nil
}

// fieldError answers app's refusal of a field as 400 naming it.
func fieldError(err error) error {
	var fe *app.FieldError
	if errors.As(err, &fe) {
		return badField(fe.Field, "%s", fe.Message)
	}
	return err
}
