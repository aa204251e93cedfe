package connectors

import (
	"time"

	"github.com/rs/zerolog"

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
}
