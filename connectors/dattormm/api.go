package dattormm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/vocab"
)

// ipBlockWindow is how long after a 429 a 403 is taken for the platform's temporary IP
// block (about 5 minutes) rather than a refused permission.
const ipBlockWindow = 10 * time.Minute

// get sends GET u with the access token and returns the body of a 2xx answer. When the
// API refuses the token (401), it renews the token once and repeats the request.
func (c *Connector) get(ctx context.Context, u *url.URL) ([]byte, error) {
	tok, err := c.tokens.token(ctx)
	if err != nil {
		return nil, err
	}
	body, err := c.getWith(ctx, u, tok)
	if isStatus(err, http.StatusUnauthorized) {
		if tok, err = c.tokens.renew(ctx, tok); err != nil {
			return nil, err
		}
		body, err = c.getWith(ctx, u, tok)
	}
	if err != nil {
		return nil, c.classify(err)
	}
	return body, nil
}

func (c *Connector) getWith(ctx context.Context, u *url.URL, tok string) ([]byte, error) {
	h := http.Header{}
	h.Set("Authorization", "Bearer "+tok)
	h.Set("Accept", "application/json")
	body, _, err := c.client.Do(ctx, connectors.Request{Method: http.MethodGet, URL: u.String(), Header: h})
	return body, err
}

func isStatus(err error, status int) bool {
	var se *connectors.StatusError
	return errors.As(err, &se) && se.Status == status
}

// classify marks a 403 that came shortly after a 429 as throttling: the platform
// blocks the address for a few minutes after repeated 429s, with a 403 that looks like
// a refused permission. The pull ends there, without retrying, and the next scheduled
// run resumes from the cursor. Any other 403 stays access denied.
func (c *Connector) classify(err error) error {
	if isStatus(err, http.StatusForbidden) && c.throttle.throttledRecently() {
		return &connectors.ClassifiedError{Kind: vocab.OutcomeThrottled, Err: fmt.Errorf(
			"dattormm: HTTP 403 shortly after HTTP 429: the platform blocks this address for a few minutes after too many requests; the next run resumes: %w", err)}
	}
	return err
}

// throttleWatch is the HTTP transport of the connector's client; it notes when the
// platform last answered 429.
type throttleWatch struct {
	// next carries the requests (the connector's base transport).
	next    http.RoundTripper
	mu      sync.Mutex
	last429 time.Time
}

// RoundTrip implements http.RoundTripper over next.
func (w *throttleWatch) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := w.next.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		w.mu.Lock()
		w.last429 = time.Now()
		w.mu.Unlock()
	}
	return resp, err
}

// throttledRecently reports whether a 429 came within ipBlockWindow.
func (w *throttleWatch) throttledRecently() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return !w.last429.IsZero() && time.Since(w.last429) < ipBlockWindow
}
