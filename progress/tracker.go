// Package progress follows long work as it happens: a Tracker is told by the sync
// engine and the connectors' HTTP clients what they did (scopes listed and pulled,
// records committed, requests sent, throttled waits) and keeps the counts per
// connector; two front ends render them, a live line per connector on a terminal
// (Terminal) and a periodic progress record in the log (Log). At the end of a run
// the same counts, with the failures grouped by cause, make its summary.
package progress

import (
	"errors"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/custos-msp/custos/vocab"
)

// Reasons a connector's HTTP client waits, as connectors.Client.OnWait names them.
const (
	// WaitThrottled is a wait the vendor asked for (Retry-After, 429, 503).
	WaitThrottled = "retry_after"
	// WaitRateLimit is a wait for the vendor's budget, set from its published limit.
	WaitRateLimit = "rate_limit"
)

// Tracker keeps the progress of each connector's run. It is safe for concurrent
// use; a nil *Tracker ignores every event.
type Tracker struct {
	now func() time.Time

	mu    sync.Mutex
	conns map[string]*run
	order []string
}

// run is one connector's counts since its run began.
type run struct {
	started, ended time.Time
	running        bool
	scopes, done   int
	records        int
	requests       int
	throttled      int
	waited         time.Duration
	failures       []Failure
}

// Failure is one scope whose pull failed.
type Failure struct {
	Stream string
	// Scope is the scope's id; ScopeName the name its connector gave it.
	Scope, ScopeName string
	Outcome          string
	// Cause is the error with the scope's own id replaced by "{scope}", so that the
	// same failure of many scopes reads the same.
	Cause string
}

// New returns a tracker reading the time from now (time.Now when nil).
func New(now func() time.Time) *Tracker {
	if now == nil {
		now = time.Now
	}
	return &Tracker{now: now, conns: map[string]*run{}}
}

// update runs f on connector's counts under the lock, creating them when new.
func (t *Tracker) update(connector string, f func(r *run)) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	r, ok := t.conns[connector]
	if !ok {
		r = &run{}
		t.conns[connector] = r
		t.order = append(t.order, connector)
	}
	f(r)
}

// Begin starts connector's run: its counts start from zero.
func (t *Tracker) Begin(connector string) {
	if t == nil {
		return
	}
	now := t.now()
	t.update(connector, func(r *run) { *r = run{started: now, running: true} })
}

// End ends connector's run; its counts stay until it begins again.
func (t *Tracker) End(connector string) {
	if t == nil {
		return
	}
	now := t.now()
	t.update(connector, func(r *run) { r.running, r.ended = false, now })
}

// ScopesListed adds the n scopes a stream of connector will pull to its total.
func (t *Tracker) ScopesListed(connector, _ string, n int) {
	t.update(connector, func(r *run) { r.scopes += n })
}

// Committed counts records of connector committed to the store.
func (t *Tracker) Committed(connector string, records int) {
	t.update(connector, func(r *run) { r.records += records })
}

// ScopeDone counts a scope of connector's stream as pulled; err is why it failed
// (nil when it did not), without the wrapping that names the scope's key, and
// outcome how it ended.
func (t *Tracker) ScopeDone(connector, stream, scope, scopeName, outcome string, err error) {
	t.update(connector, func(r *run) {
		r.done++
		if err != nil {
			r.failures = append(r.failures, Failure{
				Stream: stream, Scope: scope, ScopeName: scopeName, Outcome: outcome, Cause: cause(err, scope),
			})
		}
	})
}

// Request counts one HTTP request (each attempt, retries included) of connector.
func (t *Tracker) Request(connector string) {
	t.update(connector, func(r *run) { r.requests++ })
}

// Waited counts a wait of connector's HTTP client: reason is WaitThrottled or
// WaitRateLimit.
func (t *Tracker) Waited(connector, reason string, d time.Duration) {
	t.update(connector, func(r *run) {
		if reason == WaitThrottled {
			r.throttled++
		}
		r.waited += d
	})
}

// Status is one connector's progress at a moment.
type Status struct {
	Connector string
	Running   bool
	// Scopes counts the scopes of the streams listed so far; Done those pulled,
	// Failed those whose pull failed.
	Scopes, Done, Failed int
	Records              int
	Requests             int
	// Throttled counts the waits the vendor asked for; Waited is the time spent
	// waiting, on those and on the budget.
	Throttled int
	Waited    time.Duration
	Elapsed   time.Duration
	// ETA is the time left at the pace so far; negative when unknown (nothing
	// pulled yet).
	ETA      time.Duration
	Failures []Failure
}

// Snapshot returns every connector's progress, in the order they began.
func (t *Tracker) Snapshot() []Status {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	out := make([]Status, 0, len(t.order))
	for _, name := range t.order {
		r := t.conns[name]
		end := now
		if !r.running {
			end = r.ended
		}
		s := Status{
			Connector: name, Running: r.running, Scopes: r.scopes, Done: r.done, Failed: len(r.failures),
			Records: r.records, Requests: r.requests, Throttled: r.throttled, Waited: r.waited,
			Elapsed: max(end.Sub(r.started), 0), Failures: slices.Clone(r.failures),
		}
		s.ETA = eta(s.Elapsed, s.Done, s.Scopes)
		out = append(out, s)
	}
	return out
}

// eta is the time left to pull total scopes when done took elapsed; negative when
// nothing is done yet.
func eta(elapsed time.Duration, done, total int) time.Duration {
	switch {
	case done >= total:
		return 0
	case done == 0:
		return -1
	}
	return time.Duration(float64(elapsed) / float64(done) * float64(total-done)).Round(time.Second)
}

// causer is an error that knows its cause apart from the request it stopped
// (connectors.TransportError: a server that does not answer).
type causer interface{ Cause() string }

// outcomer is an error that classifies a failure (connectors.StatusError and
// ClassifiedError, entraauth.TokenError): it says what went wrong, and what wraps it
// says where (which page, which request of which stream).
type outcomer interface{ Outcome() vocab.Outcome }

// cause is why err made a scope fail, worded the same for every scope and stream
// it made fail: its Cause when an error in its chain has one, else the message of
// the outermost error that classifies it, else its message; with the scope's id
// replaced by "{scope}" (see scopeID).
func cause(err error, scope string) string {
	msg := err.Error()
	var c causer
	var o outcomer
	switch {
	case errors.As(err, &c):
		msg = c.Cause()
	case errors.As(err, &o):
		if e, ok := o.(error); ok {
			msg = e.Error()
		}
	}
	if scope == "" {
		return msg
	}
	return scopeID(scope).ReplaceAllString(msg, "${1}{scope}")
}

// scopeID matches a scope's id where it stands as a path segment, a query value or
// a quoted word, and, for an id of longLen characters or more (an IT Glue
// organization's, a tenant's), wherever it stands as a whole word: a shorter one
// would match counts and status codes.
func scopeID(scope string) *regexp.Regexp {
	before := `(^|[/='"])`
	if len(scope) >= longLen {
		before = `(^|[^\pL\pN_-])`
	}
	return regexp.MustCompile(before + regexp.QuoteMeta(scope) + `\b`)
}

// longLen is the length from which an id matches wherever it stands as a word.
const longLen = 6
