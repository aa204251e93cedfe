package config

import (
	"fmt"

	"github.com/custos-msp/custos/secret"
)

// SecretUse says what a secret's value must be besides not empty.
type SecretUse int

// The uses of secrets.
const (
	// Credential is any text: an API key, a password, a DSN.
	Credential SecretUse = iota
	// SealingKey is a 32-byte key: raw, 64 hex digits or base64.
	SealingKey
	// TeamsURL is the address of a Teams Workflows webhook.
	TeamsURL
	// WebhookURL is an absolute http(s) address.
	WebhookURL
	// SigningKey is a PEM (PKCS #8) Ed25519 private key.
	SigningKey
)

// NeededSecret is a secret that the configuration names for something it enables,
// with its key path and its use.
type NeededSecret struct {
	Key string
	Ref secret.Ref
	Use SecretUse
}

// NeededSecrets lists every secret that what the configuration enables will load:
// the PostgreSQL DSN, the sealing keys (every write of personal data uses them once
// seal.key is set), the evidence signing key, each enabled connector's credentials
// and each receiver's. A reference the
// file leaves empty is not listed; Validate reports the ones that must be named.
func (c *Config) NeededSecrets() []NeededSecret {
	var out []NeededSecret
	add := func(key string, ref secret.Ref, use SecretUse) {
		if !ref.IsZero() {
			out = append(out, NeededSecret{Key: key, Ref: ref, Use: use})
		}
	}
	if c.Store.Driver == "postgres" {
		add("store.dsn", c.Store.DSN, Credential)
	}
	add("seal.key", c.Seal.Key, SealingKey)
	for i, ref := range c.Seal.PreviousKeys {
		add(fmt.Sprintf("seal.previous_keys[%d]", i), ref, SealingKey)
	}
	add("report.signing_key", c.Report.SigningKey, SigningKey)
	cs := c.Connectors
	if cs.ITGlue.Enabled {
		add("connectors.itglue.api_key", cs.ITGlue.APIKey, Credential)
	}
	if sc := cs.ScreenConnect; sc.Enabled && sc.SessionDB == "" {
		add("connectors.screenconnect.username", sc.Username, Credential)
		add("connectors.screenconnect.password", sc.Password, Credential)
	}
	if cs.DattoRMM.Enabled {
		add("connectors.dattormm.api_key", cs.DattoRMM.APIKey, Credential)
		add("connectors.dattormm.api_secret", cs.DattoRMM.APISecret, Credential)
	}
	if at := cs.Autotask; at.Enabled {
		add("connectors.autotask.username", at.Username, Credential)
		add("connectors.autotask.secret", at.Secret, Credential)
		add("connectors.autotask.integration_code", at.IntegrationCode, Credential)
	}
	if m := cs.M365; m.Enabled {
		// The app signs in with its client secret, else with its certificate.
		add("connectors.m365.client_secret", m.ClientSecret, Credential)
		if m.ClientSecret.IsZero() && m.CertificateFile != "" {
			add("connectors.m365.certificate_password", m.CertificatePassword, Credential)
		}
	}
	if w := c.Web; w.Listen != "" && w.Entra.TenantID != "" {
		add("web.entra.client_secret", w.Entra.ClientSecret, Credential)
	}
	for i, r := range c.Notify.Receivers {
		prefix := fmt.Sprintf("notify.receivers[%d]", i)
		switch r.Type {
		case "teams":
			add(prefix+".teams.url", r.Teams.URL, TeamsURL)
		case "webhook":
			add(prefix+".webhook.url", r.Webhook.URL, WebhookURL)
			add(prefix+".webhook.hmac_secret", r.Webhook.HMACSecret, Credential)
		case "email":
			e, s := r.Email, r.Email.SMTP.WithDefaults()
			if e.Transport == "smtp" && s.Auth == "password" {
				add(prefix+".email.smtp.password", s.Password, Credential)
			}
			if e.Transport == "graph" || (e.Transport == "smtp" && s.Auth == "xoauth2") {
				add(prefix+".email.app.client_secret", e.App.ClientSecret, Credential)
			}
		}
	}
	return out
}
