package connectors

import (
	"fmt"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/httpsafe"
	"github.com/custos-msp/custos/secret"
)

// Deps are what every connector is built with besides its own configuration.
type Deps struct {
	// UserAgent is sent on every request, e.g. "Custos/1.2.0".
	UserAgent string
	Logger    zerolog.Logger
	// Redactor learns the connector's secrets and scrubs them from logs and errors.
	Redactor *secret.Redactor
	// OnWait, when set, is told about every wait of the connector's HTTP client on
	// the rate limiter or a Retry-After ("rate_limit" or "retry_after"), for metrics.
	OnWait func(vendor, reason string, d time.Duration)
	// OnRequest, when set, is told about every request (each attempt) of the
	// connector's HTTP client, for progress.
	OnRequest func(vendor string)
}

// Client returns the shared HTTP client for vendor with the connector's HTTP
// settings (its burst from the rate and the vendor's limit, CatchUpBurst), its
// logger and these deps' redactor, user agent, and wait and request hooks.
// transport, when not nil, replaces the default transport under the client.
func (d Deps) Client(vendor string, h config.HTTP, log zerolog.Logger, transport http.RoundTripper) *Client {
	client := NewClient(ClientOptions{
		Vendor:        vendor,
		UserAgent:     d.UserAgent,
		RatePerSecond: h.RequestsPerSecond,
		Burst:         CatchUpBurst(h.RequestsPerSecond, h.Limit),
		MaxRetries:    h.MaxRetries,
		MinWait:       h.MinRetryWait.Std(),
		MaxWait:       h.MaxRetryWait.Std(),
		Timeout:       h.Timeout.Std(),
		MaxBodyBytes:  h.MaxBodyBytes,
		Redactor:      d.Redactor,
		Logger:        log,
		Transport:     transport,
	})
	if d.OnWait != nil {
		client.OnWait(func(reason string, wait time.Duration) { d.OnWait(vendor, reason, wait) })
	}
	if d.OnRequest != nil {
		client.OnRequest(func() { d.OnRequest(vendor) })
	}
	return client
}

// BaseTransport is the transport under a connector's client: the default one, or
// one that also trusts the certificate authorities of caFile (the connector's
// ca_file). A file that cannot be used fails every request with an error naming it;
// config validation reports it at start already.
func BaseTransport(vendor, caFile string) http.RoundTripper {
	t, err := httpsafe.Transport(caFile)
	if err != nil {
		return failing{fmt.Errorf("%s: %w", vendor, err)}
	}
	return t
}

// failing is a transport that fails every request with err.
type failing struct{ err error }

// RoundTrip implements http.RoundTripper.
func (f failing) RoundTrip(*http.Request) (*http.Response, error) { return nil, f.err }
