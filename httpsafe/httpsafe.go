// Package httpsafe holds the rules every outgoing HTTP client of Custos follows,
// whoever it talks to (a vendor's API, a sign-in endpoint, a receiver): redirects
// are followed only on the same scheme and host and a bounded number of times, and a
// response body is read only up to a cap; ca_file adds certificate authorities to
// trust. It imports nothing of Custos, so that
// connectors, entraauth and notify can all use it.
package httpsafe

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

// MaxRedirects is how many redirects one request may follow.
const MaxRedirects = 5

// ErrRedirect is what every refused redirect matches with errors.Is.
var ErrRedirect = errors.New("redirect refused")

// RedirectError is a redirect the policy refused: to another scheme or host, or
// past the hop bound. Location names where the server sent the request, without
// its query string (which may carry a signature).
type RedirectError struct {
	// From is the scheme and host of the first request, e.g. "https://api.itglue.com".
	From string
	// Location is the scheme, host and path the redirect pointed to.
	Location string
	// Hops is the number of redirects followed before this one.
	Hops int
	// Reason says why the redirect was refused.
	Reason string
}

// Error implements error.
func (e *RedirectError) Error() string {
	return fmt.Sprintf("redirected from %s to %s after %d hop(s): %s; not followed", e.From, e.Location, e.Hops, e.Reason)
}

// Is makes every RedirectError match ErrRedirect.
func (e *RedirectError) Is(target error) bool { return target == ErrRedirect }

// CheckRedirect is the redirect policy as an http.Client's CheckRedirect: a redirect
// is followed only to the scheme and host (port included) of the first request, and
// at most MaxRedirects times. Because no request ever leaves the first host, no
// credential header (x-api-key, a signature, a password) reaches another one.
func CheckRedirect(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	from := first.Scheme + "://" + first.Host
	to := req.URL.Scheme + "://" + req.URL.Host
	refuse := func(reason string) error {
		return &RedirectError{From: from, Location: to + req.URL.EscapedPath(), Hops: len(via) - 1, Reason: reason}
	}
	switch {
	case !strings.EqualFold(to, from):
		return refuse("another scheme or host")
	case len(via) > MaxRedirects:
		return refuse(fmt.Sprintf("more than %d redirects", MaxRedirects))
	}
	return nil
}

// Client returns a shallow copy of c (or of a zero client when c is nil) that
// follows the redirect policy.
func Client(c *http.Client) *http.Client {
	out := &http.Client{}
	if c != nil {
		*out = *c
	}
	out.CheckRedirect = CheckRedirect
	return out
}

// DefaultMaxBodyBytes is the body cap of every vendor's client unless its
// max_body_bytes says otherwise: 8 MiB, above the largest page any connector asks
// for at its default page size (a Graph page of 1,000 sign-ins, an IT Glue page of
// 1,000 configurations), far below what a hostile or broken server could send.
const DefaultMaxBodyBytes = 8 << 20

// ErrBodyTooLarge is what every capped body matches with errors.Is.
var ErrBodyTooLarge = errors.New("response body too large")

// BodyTooLargeError is a response body longer than the cap.
type BodyTooLargeError struct {
	// Vendor names the service that sent the body.
	Vendor string
	// Limit is the cap in bytes.
	Limit int64
}

// Error implements error.
func (e *BodyTooLargeError) Error() string {
	return fmt.Sprintf("%s: response body larger than the limit of %d bytes (max_body_bytes)", e.Vendor, e.Limit)
}

// Is makes every BodyTooLargeError match ErrBodyTooLarge.
func (e *BodyTooLargeError) Is(target error) bool { return target == ErrBodyTooLarge }

// LimitBodies wraps next so that reading a response body past limit bytes fails
// with a *BodyTooLargeError naming vendor. A Content-Length over the limit fails at
// once, before the body is read.
func LimitBodies(vendor string, limit int64, next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &bodyLimit{vendor: vendor, limit: limit, next: next}
}

type bodyLimit struct {
	vendor string
	limit  int64
	next   http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *bodyLimit) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	tooLarge := &BodyTooLargeError{Vendor: t.vendor, Limit: t.limit}
	if resp.ContentLength > t.limit {
		resp.Body.Close()
		return nil, tooLarge
	}
	resp.Body = &limitedBody{rc: resp.Body, left: t.limit, err: tooLarge}
	return resp, nil
}

// limitedBody reads at most left bytes and fails with err at the first byte beyond.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
	err  error
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, b.err
	}
	// Read one byte more than allowed, to tell a body of exactly the limit from a
	// longer one.
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n - int(-b.left), b.err
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// Transport returns the transport of a client that trusts the system's certificate
// authorities and, when caFile is not empty, those of that PEM file too (a
// TLS-inspecting proxy, an on-premises server's own CA, a test server). With no
// caFile it is http.DefaultTransport. Errors name the file.
func Transport(caFile string) (http.RoundTripper, error) {
	if caFile == "" {
		return http.DefaultTransport, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("reading ca_file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ca_file %s holds no PEM certificate", caFile)
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return t, nil
}
