package dattormm

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/secret"
	"github.com/custos-msp/custos/vocab"
)

// tokenPath is the OAuth2 token endpoint, outside /api.
const tokenPath = "/auth/oauth/token"

// defaultTokenLifetime is the platform's documented token lifetime, assumed when the
// token answer has no expires_in.
const defaultTokenLifetime = 100 * time.Hour

// publicClient is the HTTP Basic authorization of the platform's fixed OAuth2 client,
// public-client:public; it is no secret.
var publicClient = "Basic " + base64.StdEncoding.EncodeToString([]byte("public-client:public"))

// refreshShare is the part of a token's lifetime after which it is renewed.
const refreshShare = 0.75

// tokenSource obtains access tokens with the password grant of the platform's fixed
// public client, renews them at 75 % of their lifetime or when the API refuses one,
// and makes concurrent callers share one token request.
type tokenSource struct {
	c           *Connector
	key, secret secret.Value
	redactor    *secret.Redactor
	flight      singleflight.Group

	mu        sync.Mutex
	tok       string
	refreshAt time.Time
}

// token returns a current access token, obtaining one when there is none or the
// current one is due for renewal.
func (t *tokenSource) token(ctx context.Context) (string, error) {
	t.mu.Lock()
	tok, fresh := t.tok, t.tok != "" && t.c.now().Before(t.refreshAt)
	t.mu.Unlock()
	if fresh {
		return tok, nil
	}
	return t.renew(ctx, tok)
}

// renew replaces stale, a token the API refused or one due for renewal. Callers that
// hold the same stale token share one token request; a caller whose stale token was
// already replaced gets the replacement without a request.
func (t *tokenSource) renew(ctx context.Context, stale string) (string, error) {
	ch := t.flight.DoChan("token", func() (any, error) {
		t.mu.Lock()
		tok, fresh := t.tok, t.tok != "" && t.tok != stale && t.c.now().Before(t.refreshAt)
		t.mu.Unlock()
		if fresh {
			return tok, nil
		}
		return t.fetch(ctx)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return "", res.Err
		}
		return res.Val.(string), nil
	case <-ctx.Done():
		return "", fmt.Errorf("dattormm: waiting for an access token: %w", ctx.Err())
	}
}

// tokenAnswer is the token endpoint's JSON answer.
type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

// fetch runs the password grant and stores the new token.
func (t *tokenSource) fetch(ctx context.Context) (string, error) {
	form := url.Values{}
	form.Set("grant_type", "password")
	form.Set("username", t.key.Reveal())
	form.Set("password", t.secret.Reveal())
	h := http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	h.Set("Accept", "application/json")
	h.Set("Authorization", publicClient)
	body, _, err := t.c.client.Do(ctx, connectors.Request{
		Method: http.MethodPost, URL: t.c.endpoint(tokenPath, nil).String(), Header: h, Body: []byte(form.Encode()),
	})
	if err != nil {
		return "", t.c.classify(tokenError(err))
	}
	var ans tokenAnswer
	if err := json.Unmarshal(body, &ans); err != nil || ans.AccessToken == "" {
		return "", fmt.Errorf("dattormm: POST %s: the answer holds no access_token", tokenPath)
	}
	t.redactor.Add(secret.New(ans.AccessToken))
	lifetime := time.Duration(ans.ExpiresIn) * time.Second
	if lifetime <= 0 {
		lifetime = defaultTokenLifetime
	}
	t.mu.Lock()
	t.tok = ans.AccessToken
	t.refreshAt = t.c.now().Add(time.Duration(float64(lifetime) * refreshShare))
	t.mu.Unlock()
	return ans.AccessToken, nil
}

// tokenError explains a refused token request: a 400 or 401 from the token endpoint
// means the key, the secret or the platform is wrong.
func tokenError(err error) error {
	var se *connectors.StatusError
	if errors.As(err, &se) && (se.Status == http.StatusUnauthorized || se.Status == http.StatusBadRequest) {
		return &connectors.ClassifiedError{Kind: vocab.OutcomeAccessDenied, Err: fmt.Errorf(
			"dattormm: the platform refused the API key and secret (HTTP %d from POST %s): the API key, the API secret or the platform is wrong, or API access is switched off: %w",
			se.Status, tokenPath, err)}
	}
	return fmt.Errorf("dattormm: obtaining an access token: %w", err)
}
