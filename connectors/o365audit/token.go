package o365audit

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
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
