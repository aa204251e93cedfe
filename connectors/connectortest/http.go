package connectortest

import (
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/duration"
)

// FastHTTP is a connector's HTTP settings for tests against a fake: no rate limit to
// speak of, two retries, retry waits of milliseconds, and the given timeout.
func FastHTTP(timeout time.Duration) config.HTTP {
	return config.HTTP{
		RequestsPerSecond: 1000,
		MaxRetries:        2,
		Timeout:           duration.Duration(timeout),
		MinRetryWait:      duration.Duration(10 * time.Millisecond),
		MaxRetryWait:      duration.Duration(50 * time.Millisecond),
	}
}
