package connectors

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/httpsafe"
	"github.com/custos-msp/custos/secret"
	"github.com/custos-msp/custos/vocab"
)

// ClientOptions configures the shared HTTP client for one vendor.
type ClientOptions struct {
	// Vendor names the connector in logs and errors.
	Vendor string
	// UserAgent is sent on every request, e.g. "Custos/1.2.0".
	UserAgent string
	// RatePerSecond is the sustained request rate allowed to this vendor; Burst is how
	// many requests may go at once after a quiet spell. They are the client's Budget:
	// per account, or per the key a request's context carries (WithBudgetKey).
	RatePerSecond float64
	Burst         int
	// MaxRetries is how many times one request is retried after a 429, a 5xx or a
	// connection error.
	MaxRetries int
	// MinWait and MaxWait bound the exponential backoff between retries.
	MinWait, MaxWait time.Duration
	// MaxRetryAfter caps how long a Retry-After header may make the client wait.
	MaxRetryAfter time.Duration
	// Timeout bounds one attempt, reading the body included.
	Timeout time.Duration
	// MaxBodyBytes bounds a response body; a longer one is an error.
	MaxBodyBytes int64
	// Redactor scrubs secrets from every error message and log line the client makes.
	Redactor *secret.Redactor
	Logger   zerolog.Logger
	// Transport replaces the default transport: a test double, or a wrapper that watches
	// responses (Datto RMM notes 429s to tell its IP block from a refusal).
	Transport http.RoundTripper
}

func (o *ClientOptions) defaults() {
	if o.UserAgent == "" {
		o.UserAgent = "Custos/dev"
	}
	if o.RatePerSecond <= 0 {
		o.RatePerSecond = 5
	}
	if o.Burst <= 0 {
		o.Burst = 1
	}
	if o.MaxRetries < 0 {
		o.MaxRetries = 0
	}
	if o.MinWait <= 0 {
		o.MinWait = time.Second
	}
	if o.MaxWait <= 0 {
		o.MaxWait = 5 * time.Minute
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = 5 * time.Minute
	}
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = httpsafe.DefaultMaxBodyBytes
	}
	if o.Transport == nil {
		o.Transport = http.DefaultTransport
	}
}

// Client is the HTTP client every connector uses: retries with exponential backoff and
// jitter, Retry-After honoured on 429 and 503, a rate limit per vendor, context
// cancellation, and errors and logs that never show a secret.
type Client struct {
	opts ClientOptions
	rc   *retryablehttp.Client
	// onWait is told about the time spent waiting on the rate limiter and on Retry-After.
	onWait func(reason string, d time.Duration)
	// onRequest is told about every attempt sent.
	onRequest func()
}

// NewClient returns a client for one vendor.
func NewClient(opts ClientOptions) *Client {
	opts.defaults()
	c := &Client{opts: opts}
	// Every attempt spends the vendor's budget, and a throttling answer to any
	// request pauses every request of its budget key, not only its own retry. The
	// attempt's timeout starts once the budget lets it go.
	budgeted := &BudgetTransport{
		Budget: NewBudget(opts.RatePerSecond, opts.Burst), Next: AttemptTimeout(opts.Transport, opts.Timeout),
		Fallback: opts.MinWait, MaxPause: opts.MaxRetryAfter, OnWait: c.waited, OnRequest: c.requested,
	}
	rc := retryablehttp.NewClient()
	rc.HTTPClient = &http.Client{
		Transport:     budgeted,
		CheckRedirect: httpsafe.CheckRedirect,
	}
	rc.Logger = nil // the client logs through zerolog hooks, never with URLs or headers
	rc.RetryMax = opts.MaxRetries
	rc.RetryWaitMin = opts.MinWait
	rc.RetryWaitMax = opts.MaxWait
	rc.CheckRetry = retryPolicy
	rc.Backoff = c.backoff
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	rc.RequestLogHook = func(_ retryablehttp.Logger, req *http.Request, attempt int) {
		if attempt > 0 {
			opts.Logger.Warn().Str("vendor", opts.Vendor).Str("method", req.Method).
				Str("path", req.URL.Path).Int("attempt", attempt+1).Msg("retrying request")
		}
	}
	c.rc = rc
	return c
}

// OnWait registers a function told about every wait: "rate_limit" or "retry_after".
// Metrics use it.
func (c *Client) OnWait(f func(reason string, d time.Duration)) { c.onWait = f }

func (c *Client) waited(reason string, d time.Duration) {
	if c.onWait != nil && d > 0 {
		c.onWait(reason, d)
	}
}

// OnRequest registers a function told about every attempt the client sends,
// retries included. Progress counts them.
func (c *Client) OnRequest(f func()) { c.onRequest = f }

func (c *Client) requested() {
	if c.onRequest != nil {
		c.onRequest()
	}
}

// Request is one HTTP call.
type Request struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
}

// Do sends the request and returns the body of a 2xx response. Any other status ends,
// after the retries, in a *StatusError.
func (c *Client) Do(ctx context.Context, r Request) ([]byte, http.Header, error) {
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, r.Method, r.URL, body)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: building request: %s", c.opts.Vendor, c.opts.Redactor.String(err.Error()))
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("User-Agent", c.opts.UserAgent)
	resp, err := c.rc.Do(req)
	if err != nil {
		return nil, nil, c.transportError(ctx, req.Request, err)
	}
	defer resp.Body.Close()
	data, err := readBody(resp, c.opts.MaxBodyBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: reading %s %s response: %s", c.opts.Vendor, req.Method, req.URL.Path, c.opts.Redactor.String(err.Error()))
	}
	if int64(len(data)) > c.opts.MaxBodyBytes {
		return nil, nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, &httpsafe.BodyTooLargeError{Vendor: c.opts.Vendor, Limit: c.opts.MaxBodyBytes})
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, nil, &StatusError{
			Vendor:     c.opts.Vendor,
			Method:     req.Method,
			Path:       req.URL.Path,
			Status:     resp.StatusCode,
			RetryAfter: resp.Header.Get("Retry-After"),
			// Redact before cutting: a known secret cut in two no longer matches.
			Body: excerpt(c.opts.Redactor.String(string(data))),
		}
	}
	return data, resp.Header, nil
}

// readBody reads at most limit+1 bytes of the body, into a buffer sized from
// Content-Length when the server sent one.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	if n := resp.ContentLength; n > 0 && n <= limit {
		buf.Grow(int(n) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, limit+1))
	return buf.Bytes(), err
}

// transportError turns a connection or context error into one that names the vendor
// and the address (scheme, host and path: a TLS failure is the host's), never the
// query string (which may carry a signature or a key).
func (c *Client) transportError(ctx context.Context, req *http.Request, err error) error {
	where := req.URL.Path + " at " + req.URL.Scheme + "://" + req.URL.Host
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%s: %s %s: %w", c.opts.Vendor, req.Method, where, ctxErr)
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	if errors.Is(err, httpsafe.ErrRedirect) {
		// The redirect error names no query string, so it is kept whole for errors.As.
		return fmt.Errorf("%s: %s %s: %w", c.opts.Vendor, req.Method, where, err)
	}
	te := &TransportError{
		Vendor: c.opts.Vendor, Method: req.Method, Path: req.URL.Path, Origin: req.URL.Scheme + "://" + req.URL.Host,
		Msg: c.opts.Redactor.String(err.Error()),
	}
	if errors.Is(err, context.DeadlineExceeded) {
		te.Msg = "timed out: " + te.Msg + ": " + context.DeadlineExceeded.Error()
		te.Err = context.DeadlineExceeded
	}
	return te
}

// TransportError is a request that got no HTTP answer: the connection failed or the
// attempt timed out.
type TransportError struct {
	Vendor, Method, Path string
	// Origin is the scheme and host the request went to; never the query string,
	// which may carry a signature or a key.
	Origin string
	// Msg says what failed, secrets redacted.
	Msg string
	// Err is context.DeadlineExceeded when the attempt timed out, else nil.
	Err error
}

// Error implements error.
func (e *TransportError) Error() string {
	return fmt.Sprintf("%s: %s %s at %s: %s", e.Vendor, e.Method, e.Path, e.Origin, e.Msg)
}

// Unwrap returns ErrUnreachable, and context.DeadlineExceeded for a timeout.
func (e *TransportError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrUnreachable, e.Err}
	}
	return []error{ErrUnreachable}
}

// Cause is the failure without the request it stopped: every request to a server
// that does not answer fails the same way, whatever it asked for.
func (e *TransportError) Cause() string {
	return fmt.Sprintf("%s: %s: %s", e.Vendor, e.Origin, e.Msg)
}

// retryPolicy retries 429, 5xx (but 501) and connection errors, and stops at once when
// the context is done or a redirect was refused.
func retryPolicy(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if errors.Is(err, httpsafe.ErrRedirect) {
		return false, err
	}
	return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
}

// backoff honours Retry-After on 429 and 503 and otherwise waits exponentially with
// full jitter between min and max.
func (c *Client) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			d = min(d, c.opts.MaxRetryAfter)
			c.waited("retry_after", d)
			return d
		}
	}
	ceiling := float64(minWait) * math.Pow(2, float64(attempt))
	if ceiling > float64(maxWait) || math.IsInf(ceiling, 0) {
		ceiling = float64(maxWait)
	}
	d := time.Duration(float64(minWait) + rand.Float64()*(ceiling-float64(minWait)))
	if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
		c.waited("retry_after", d)
	}
	return d
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}

// excerpt keeps the start of an error body for the error message.
func excerpt(s string) string {
	const maxLen = 512
	if len(s) > maxLen {
		return s[:maxLen] + "…"
	}
	return s
}

// StatusError is a non-2xx response that retries did not cure.
type StatusError struct {
	Vendor     string
	Method     string
	Path       string
	Status     int
	RetryAfter string
	// Body is the start of the response body, secrets redacted.
	Body string
}

// Error implements error.
func (e *StatusError) Error() string {
	msg := fmt.Sprintf("%s: %s %s: HTTP %d", e.Vendor, e.Method, e.Path, e.Status)
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// Outcome classifies the status for coverage.
func (e *StatusError) Outcome() vocab.Outcome {
	switch e.Status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return vocab.OutcomeAccessDenied
	case http.StatusTooManyRequests:
		return vocab.OutcomeThrottled
	}
	return vocab.OutcomeFailed
}
