// Package notifytest holds what the notify tests share: a fake webhook endpoint that
// records what it receives, drops repeats by idempotency key and answers as scripted,
// an in-process SMTP submission server, and an assertion that no text leaks a secret.
package notifytest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	stdsync "sync"
	"testing"
)

// Hook is a fake webhook endpoint.
type Hook struct {
	*httptest.Server
	mu stdsync.Mutex
	// statuses are answered in turn before the endpoint starts accepting (202).
	statuses []int
	// down, when not 0, is answered to every request until Down(0).
	down int
	// OnRequest, when set, runs after a request was recorded (e.g. to cancel the
	// sender's context, as a crash would).
	OnRequest func()
	requests  int
	bodies    map[string][]byte
	order     []string
	headers   []http.Header
	// Check, when set, vets each body; a non-empty answer is sent back as a 400.
	Check func(body []byte) string
}

// NewHook starts a fake endpoint; it answers the statuses in turn, then 202.
func NewHook(t testing.TB, statuses ...int) *Hook {
	h := &Hook{statuses: statuses, bodies: map[string][]byte{}}
	h.Server = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.Close)
	return h
}

func (h *Hook) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.requests++
	h.headers = append(h.headers, r.Header.Clone())
	var status int
	if len(h.statuses) > 0 {
		status, h.statuses = h.statuses[0], h.statuses[1:]
	}
	if h.down != 0 {
		status = h.down
	}
	if status == 0 && h.Check != nil {
		if why := h.Check(body); why != "" {
			h.mu.Unlock()
			http.Error(w, why, http.StatusBadRequest)
			return
		}
	}
	key := r.Header.Get("Idempotency-Key")
	if status == 0 {
		if _, dup := h.bodies[key]; !dup {
			h.bodies[key] = body
			h.order = append(h.order, key)
		}
	}
	hook := h.OnRequest
	h.mu.Unlock()
	if hook != nil {
		hook()
	}
	if status != 0 {
		w.WriteHeader(status)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// AnyHostClient returns a client that sends every request to the hook whatever URL
// it names, so a receiver that accepts only its vendor's hosts (Teams Workflows) can
// be built with a real-looking URL and still post here.
func (h *Hook) AnyHostClient() *http.Client {
	target, _ := url.Parse(h.URL)
	base := h.Client().Transport
	return &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host, r.Host = target.Scheme, target.Host, target.Host
		return base.RoundTrip(r)
	})}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Fail scripts the next answers: the statuses in turn, then 202 again.
func (h *Hook) Fail(statuses ...int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.statuses = append(h.statuses, statuses...)
}

// Down makes the endpoint answer status to every request until Down(0).
func (h *Hook) Down(status int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.down = status
}

// Requests counts every request, repeats and failures included.
func (h *Hook) Requests() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.requests
}

// Delivered returns the distinct messages accepted, in order, by idempotency key.
func (h *Hook) Delivered() [][]byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([][]byte, 0, len(h.order))
	for _, k := range h.order {
		out = append(out, h.bodies[k])
	}
	return out
}

// Headers returns the headers of every request.
func (h *Hook) Headers() []http.Header {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]http.Header(nil), h.headers...)
}

// AssertNoSecret fails the test when any of texts (errors, log output, stored
// receipts) contains secret or a recognisable part of it (a URL's query string).
func AssertNoSecret(t testing.TB, secret string, texts ...string) {
	t.Helper()
	needles := []string{secret}
	if _, query, ok := strings.Cut(secret, "?"); ok && len(query) >= 8 {
		needles = append(needles, query)
	}
	for _, text := range texts {
		for _, n := range needles {
			if strings.Contains(text, n) {
				t.Errorf("a secret leaked into %q", text)
			}
		}
	}
}
