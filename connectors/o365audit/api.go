package o365audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/secret"
	"github.com/custos-msp/custos/vocab"
)

// throttleTransport shows the service's throttling answer, a 403 whose body has code
// AF429, to the shared client as the 429 it means, so that the client waits and
// retries it like any 429; other 403s stay refusals.
type throttleTransport struct {
	next http.RoundTripper
}

// maxErrorPeek bounds how much of a 403 body is read to look for AF429.
const maxErrorPeek = 64 << 10

// RoundTrip implements http.RoundTripper.
func (t *throttleTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusForbidden {
		return resp, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorPeek))
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("reading a 403 answer: %w", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if afCode(string(body)) == "AF429" {
		resp.StatusCode = http.StatusTooManyRequests
		resp.Status = "429 Too Many Requests (403 AF429)"
	}
	return resp, nil
}

// afCodePattern finds the error code of the service's error body; a body cut short
// for an error message still shows it.
var afCodePattern = regexp.MustCompile(`"code"\s*:\s*"(AF\d+)"`)

// afCode returns the AF code of an error body, or "".
func afCode(body string) string {
	if m := afCodePattern.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// feedURL is the URL of rest under tenant's activity feed, with query q.
func (c *Connector) feedURL(tenant, rest string, q url.Values) *url.URL {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + "/api/v1.0/" + url.PathEscape(tenant) + "/activity/feed/" + rest
	u.RawQuery = q.Encode()
	return &u
}

// sameHost reports whether u may be sent the tenant's token: it is on the configured
// API's scheme and host.
func (c *Connector) sameHost(u *url.URL) bool {
	return strings.EqualFold(u.Scheme, c.base.Scheme) && strings.EqualFold(u.Host, c.base.Host)
}

// call sends method u for tenant with a token and PublisherIdentifier, and returns the
// body and headers of a 2xx answer, or a classified error.
func (c *Connector) call(ctx context.Context, tenant, method string, u *url.URL) ([]byte, http.Header, error) {
	if !c.sameHost(u) {
		return nil, nil, fmt.Errorf("the service named a URL on %s://%s, not on the configured %s://%s; not followed", u.Scheme, u.Host, c.base.Scheme, c.base.Host)
	}
	tok, err := c.token(ctx, tenant)
	if err != nil {
		return nil, nil, err
	}
	withPublisher := *u
	q := withPublisher.Query()
	q.Set("PublisherIdentifier", c.publisher)
	withPublisher.RawQuery = q.Encode()
	h := http.Header{}
	h.Set("Authorization", "Bearer "+tok)
	h.Set("Accept", "application/json")
	// The service counts requests per tenant: a throttling answer pauses this
	// tenant's requests, not the other tenants'.
	ctx = connectors.WithBudgetKey(ctx, tenant)
	body, header, err := c.client.Do(ctx, connectors.Request{Method: method, URL: withPublisher.String(), Header: h})
	if err != nil {
		return nil, nil, classify(err)
	}
	return body, header, nil
}

// token returns the tenant's token and teaches the redactor a new one.
func (c *Connector) token(ctx context.Context, tenant string) (string, error) {
	tok, err := c.tokens.Token(ctx, tenant, c.scope)
	if err != nil {
		return "", fmt.Errorf("obtaining a token for %s: %w", c.scope, err)
	}
	if tok == "" {
		return "", errors.New("the token source gave an empty token")
	}
	c.mu.Lock()
	fresh := c.lastToken[tenant] != tok
	c.lastToken[tenant] = tok
	c.mu.Unlock()
	if fresh {
		c.redactor.Add(secret.New(tok))
	}
	return tok, nil
}

// Errors of the service that a caller acts on.
var (
	// errNoSubscription is AF20022: the content type's subscription is not started.
	errNoSubscription = errors.New("no subscription for the content type (AF20022)")
	// errExpired is AF20051: the blob is older than 7 days and gone.
	errExpired = errors.New("content older than 7 days can no longer be read (AF20051)")
)

// classify turns a refused call into an error whose outcome says why: throttling,
// auditing off in the tenant, consent missing, or a problem of the setup.
func classify(err error) error {
	var se *connectors.StatusError
	if !errors.As(err, &se) {
		return err
	}
	code := afCode(se.Body)
	switch {
	case se.Status == http.StatusTooManyRequests:
		return &connectors.ClassifiedError{Kind: vocab.OutcomeThrottled, Err: fmt.Errorf(
			"still throttled (403 AF429 or 429) after the retries; the next run resumes: %w", err)}
	case code == "AF20022":
		return fmt.Errorf("%w: %w", errNoSubscription, err)
	case code == "AF20051":
		return fmt.Errorf("%w: %w", errExpired, err)
	case code == "AF20023":
		return &connectors.ClassifiedError{Kind: vocab.OutcomeAuditingDisabled, Err: fmt.Errorf(
			"an administrator of the tenant disabled the audit subscription (AF20023); the tenant's audit log is not read until it is enabled again: %w", err),
			Remedy: "ask the tenant's administrator to enable the audit subscription again; Custos restarts it on the next pull"}
	case se.Status == http.StatusBadRequest && strings.Contains(se.Body, "DataServiceException") && strings.Contains(se.Body, "does not exist"):
		return &connectors.ClassifiedError{Kind: vocab.OutcomeAuditingDisabled, Err: fmt.Errorf(
			"the service answers that the tenant does not exist, which it does when unified audit logging is off: %w", err),
			Remedy: auditingOffFix}
	case code == "AF10001" || se.Status == http.StatusUnauthorized || se.Status == http.StatusForbidden:
		return &connectors.ClassifiedError{Kind: vocab.OutcomeAccessDenied, Err: fmt.Errorf(
			"access refused: the app needs the Office 365 Management APIs permission ActivityFeed.Read with admin consent in this tenant: %w", err)}
	case code == "AF20010" || code == "AF20011" || code == "AF20020":
		return connectors.Misconfigured(fmt.Errorf("the service refused the tenant or content type (%s): %w", code, err))
	}
	return err
}

// auditingOffFix turns unified audit logging on in a tenant.
const auditingOffFix = "turn on unified audit logging in the tenant: Microsoft Purview > Audit > Start recording user and admin activity, " +
	"or Set-AdminAuditLogConfig -UnifiedAuditLogIngestionEnabled $true in Exchange Online PowerShell; content appears within hours"

// asStatus finds the *connectors.StatusError in err.
func asStatus(err error, se **connectors.StatusError) bool { return errors.As(err, se) }
