// Package receivers wires each receiver type of the configuration to its sender, one
// line per integration, and loads their secrets (teaching the redactor each one).
package receivers

import (
	"context"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/entraauth"
	"github.com/custos-msp/custos/notify"
	"github.com/custos-msp/custos/notify/email"
	"github.com/custos-msp/custos/notify/teams"
	"github.com/custos-msp/custos/notify/webhook"
	"github.com/custos-msp/custos/secret"
)

// Builders returns the constructor of every receiver type.
func Builders() notify.Builders {
	return notify.Builders{
		"teams":   buildTeams,
		"email":   buildEmail,
		"webhook": buildWebhook,
	}
}

func load(ref secret.Ref, key string, deps notify.Deps) (secret.Value, error) {
	v, err := ref.Load()
	if err != nil {
		return v, fmt.Errorf("%s: loading from %s: %w", key, ref, err)
	}
	if deps.Redactor != nil {
		deps.Redactor.Add(v)
	}
	return v, nil
}

func buildTeams(r config.Receiver, deps notify.Deps) (notify.Receiver, error) {
	u, err := load(r.Teams.URL, "teams.url", deps)
	if err != nil {
		return nil, err
	}
	return teams.New(r.Name, u, deps.Client)
}

func buildWebhook(r config.Receiver, deps notify.Deps) (notify.Receiver, error) {
	u, err := load(r.Webhook.URL, "webhook.url", deps)
	if err != nil {
		return nil, err
	}
	key, err := load(r.Webhook.HMACSecret, "webhook.hmac_secret", deps)
	if err != nil {
		return nil, err
	}
	return webhook.New(r.Name, u, key, deps.Client), nil
}

func buildEmail(r config.Receiver, deps notify.Deps) (notify.Receiver, error) {
	e := r.Email
	env := email.Envelope{From: e.From, To: e.To}
	if e.Transport == "graph" {
		tok, err := appToken(e.App, email.GraphScope, deps)
		if err != nil {
			return nil, err
		}
		return email.NewGraph(r.Name, env, e.GraphURL, tok, deps.Client), nil
	}
	s := e.SMTP.WithDefaults()
	opts := email.SMTPOptions{Host: s.Host, Port: s.Port, TLS: s.TLS, Username: s.Username, Timeout: deps.Client.Timeout}
	if s.Auth == "xoauth2" {
		tok, err := appToken(e.App, email.OutlookScope, deps)
		if err != nil {
			return nil, err
		}
		opts.Token = tok
	} else {
		pw, err := load(s.Password, "email.smtp.password", deps)
		if err != nil {
			return nil, err
		}
		opts.Password = pw
	}
	return email.NewSMTP(r.Name, env, opts), nil
}

// appToken gets app-only tokens for scope from the Entra app, through entraauth.
func appToken(app config.EmailApp, scope string, deps notify.Deps) (email.TokenFunc, error) {
	creds, err := entraauth.NewCredentials(config.M365Auth{
		PartnerTenantID: app.TenantID, ClientID: app.ClientID, ClientSecret: app.ClientSecret, AuthorityHost: app.AuthorityHost,
	}, entraauth.Options{Redactor: deps.Redactor})
	if err != nil {
		return nil, fmt.Errorf("email.app: %w", err)
	}
	cred, err := creds.For(app.TenantID)
	if err != nil {
		return nil, fmt.Errorf("email.app: %w", err)
	}
	return func(ctx context.Context) (string, error) {
		tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
		return tok.Token, err
	}, nil
}
