package entraauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/custos-msp/custos/vocab"
)

// ErrConsent means the app cannot sign in to the tenant because it has no consented
// service principal there: consent was never given or was revoked, the enterprise
// application was deleted, or the tenant does not exist. The customer's data cannot
// be read until an administrator consents again.
var ErrConsent = errors.New("the app is not consented in the tenant")

// ErrCredential means Entra refused the app's own credential: a wrong or expired
// client secret, or a certificate it does not know.
var ErrCredential = errors.New("the app's credential was refused")

// consentCodes are the AADSTS codes that mean "no consented app in this tenant".
var consentCodes = []int{
	700016,  // application not found in the directory
	7000229, // client application is missing a service principal in the tenant
	65001,   // the user or administrator has not consented
	90002,   // tenant not found
	500011,  // resource principal not found in the tenant
}

// credentialCodes are the AADSTS codes that mean the secret or certificate is wrong.
var credentialCodes = []int{
	7000215, // invalid client secret
	7000222, // client secret expired
	700027,  // client assertion failed signature validation
	700024,  // client assertion is not within its valid time range
}

// TokenError is a failed token request that Entra explained with an AADSTS code.
type TokenError struct {
	// Tenant is the tenant the token was requested for.
	Tenant string
	// Code is Entra's code, e.g. "AADSTS7000229".
	Code string
	// Description is Entra's explanation without its trace and correlation ids.
	Description string
	// ClientID is the app that asked for the token.
	ClientID string
	// AuthorityHost is the Entra authority the token was asked of, e.g.
	// https://login.microsoftonline.com/.
	AuthorityHost string
	kind          error
}

// AdminConsentURL is the address where an administrator of the tenant grants the
// app its admin consent (Entra's v1 admin-consent endpoint), e.g.
// https://login.microsoftonline.com/{tenant}/adminconsent?client_id={client id}.
func (e *TokenError) AdminConsentURL() string {
	return strings.TrimSuffix(e.AuthorityHost, "/") + "/" + url.PathEscape(e.Tenant) + "/adminconsent?client_id=" + url.QueryEscape(e.ClientID)
}

// Error names the tenant, the code and what it means; never a secret.
func (e *TokenError) Error() string {
	return fmt.Sprintf("entraauth: token for tenant %s: %v (%s: %s)", e.Tenant, e.kind, e.Code, e.Description)
}

// Is makes errors.Is(err, ErrConsent) and errors.Is(err, ErrCredential) work.
func (e *TokenError) Is(target error) bool { return target == e.kind }

// Fix says what an operator does: have an administrator of the tenant consent to
// the app at its admin-consent URL, or renew the app's credential.
func (e *TokenError) Fix() string {
	if e.kind == ErrConsent {
		return "an administrator of the tenant grants the app admin consent at " + e.AdminConsentURL()
	}
	return "renew the app's client secret or certificate in its app registration and update [connectors.m365]"
}

// Outcome classifies the pull that failed with e: access denied for a missing
// consent, misconfigured for a refused credential.
func (e *TokenError) Outcome() vocab.Outcome {
	if e.kind == ErrConsent {
		return vocab.OutcomeAccessDenied
	}
	return vocab.OutcomeMisconfigured
}

// tenantCredential wraps an azidentity credential bound to one tenant and
// classifies its errors.
type tenantCredential struct {
	tenant, clientID, host string
	inner                  azcore.TokenCredential
}

// GetToken implements azcore.TokenCredential.
func (c *tenantCredential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := c.inner.GetToken(ctx, opts)
	if err != nil {
		return tok, c.classify(err)
	}
	return tok, nil
}

// entraError is Entra's token error body.
type entraError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
	Codes       []int  `json:"error_codes"`
}

// classify turns an azidentity error into a TokenError when Entra gave a code that
// says consent or the credential is the problem; otherwise it wraps it.
func (c *tenantCredential) classify(err error) error {
	tenant := c.tenant
	var afe *azidentity.AuthenticationFailedError
	if !errors.As(err, &afe) || afe.RawResponse == nil {
		return fmt.Errorf("entraauth: token for tenant %s: %w", tenant, err)
	}
	status := afe.RawResponse.StatusCode
	body, rerr := runtime.Payload(afe.RawResponse)
	var e entraError
	if rerr != nil || json.Unmarshal(body, &e) != nil || len(e.Codes) == 0 {
		return fmt.Errorf("entraauth: token for tenant %s: HTTP %d from the token endpoint", tenant, status)
	}
	desc, _, _ := strings.Cut(e.Description, " Trace ID:")
	code, rest, found := strings.Cut(desc, ": ")
	if !found {
		code, rest = fmt.Sprintf("AADSTS%d", e.Codes[0]), desc
	}
	te := &TokenError{Tenant: tenant, Code: code, Description: rest, ClientID: c.clientID, AuthorityHost: c.host}
	switch {
	case slices.ContainsFunc(e.Codes, func(c int) bool { return slices.Contains(consentCodes, c) }):
		te.kind = ErrConsent
	case slices.ContainsFunc(e.Codes, func(c int) bool { return slices.Contains(credentialCodes, c) }):
		te.kind = ErrCredential
	default:
		return fmt.Errorf("entraauth: token for tenant %s: HTTP %d %s: %s: %s", tenant, status, e.Error, code, rest)
	}
	return te
}
