package connectortest

import (
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/fixtures/fakehttp"
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

// Injector is a fake server that takes faults (fakehttp.Faults, or a fake's Inject).
type Injector interface {
	Inject(fakehttp.Fault)
}

// Queries makes a fake note the query of every request to path, and returns a
// function that lists the queries noted so far, in order. It works through a fault
// that never applies, so inject it before any fault that may match the same
// requests: the fake stops at the first fault that does.
func Queries(f Injector, path string) func() []url.Values {
	var (
		mu   sync.Mutex
		seen []url.Values
	)
	f.Inject(fakehttp.Fault{Path: path, Match: func(r *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, r.URL.Query())
		return false
	}})
	return func() []url.Values {
		mu.Lock()
		defer mu.Unlock()
		return append([]url.Values(nil), seen...)
	}
}
