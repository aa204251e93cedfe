package o365audit

import (
	"context"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/entraauth"
	"github.com/custos-msp/custos/secret"
)

// Credentials gives the credential that signs the app in to one tenant;
// entraauth.Credentials is one.
type Credentials interface {
	For(tenantID string) (azcore.TokenCredential, error)
}

// CredentialTokens turns per-tenant credentials into a TokenSource. Each credential
// caches its own tokens, so a token is requested again only when it is due.
func CredentialTokens(creds Credentials) TokenSource { return credentialTokens{creds} }

type credentialTokens struct{ creds Credentials }

// Token implements TokenSource.
func (t credentialTokens) Token(ctx context.Context, tenantID, scope string) (string, error) {
	cred, err := t.creds.For(tenantID)
	if err != nil {
		return "", err
	}
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
	if err != nil {
		return "", err
	}
	return tok.Token, nil
}

// FromConfig builds the connector from its section and the app registration of
// [connectors.m365]: one azidentity credential per tenant (trusting m's ca_file when
// set), the partner tenant and domains, and the tenants that tenants lists (the
// Microsoft 365 connector).
func FromConfig(cfg config.O365Audit, m config.M365, tenants TenantLister, deps connectors.Deps) (*Connector, error) {
	if deps.Redactor == nil {
		deps.Redactor = secret.NewRedactor()
	}
	hc, err := entraauth.HTTPClient(m.M365Auth)
	if err != nil {
		return nil, fmt.Errorf("o365audit: %w", err)
	}
	creds, err := entraauth.NewCredentials(m.M365Auth, entraauth.Options{Redactor: deps.Redactor, Transport: hc})
	if err != nil {
		return nil, fmt.Errorf("o365audit: %w", err)
	}
	partner := Partner{TenantID: m.PartnerTenantID, Domains: m.PartnerDomains}
	return New(cfg, partner, CredentialTokens(creds), tenants, deps), nil
}
