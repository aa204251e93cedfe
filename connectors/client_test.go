package connectors

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/httpsafe"
	"github.com/custos-msp/custos/secret"
	"github.com/custos-msp/custos/vocab"
)

// Secrets the tests send and must never see again in an error or a log.
const (
	testAPIKey = "ITG.a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"
	testToken  = "eyJ0eXAiOiJKV1QifQ.eyJ0aWQiOiIxMjMifQ.c2lnbmF0dXJl"
	testSig    = "sv2024sigXYZ0123456789abcdef"
)

var testSecrets = []string{testAPIKey, testToken, testSig}

// waits records what a client reports through OnWait.
type waits struct {
	mu    sync.Mutex
	calls []waitCall
}

type waitCall struct {
	reason string
	d      time.Duration
}

func (w *waits) record(reason string, d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls = append(w.calls, waitCall{reason, d})
}

func (w *waits) of(reason string) []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []time.Duration
	for _, c := range w.calls {
		if c.reason == reason {
			out = append(out, c.d)
		}
	}
	return out
}

// testClient returns a fast client: tiny backoff, a rate limit that never binds.
func testClient(t *testing.T, modify func(*ClientOptions)) (*Client, *waits) {
	t.Helper()
	opts := ClientOptions{
		Vendor:        "itglue",
		UserAgent:     "Custos/1.2.3-test",
		RatePerSecond: 1000,
		Burst:         100,
		MaxRetries:    2,
		MinWait:       time.Millisecond,
		MaxWait:       5 * time.Millisecond,
		Timeout:       5 * time.Second,
		Redactor:      secret.NewRedactor(secret.New(testAPIKey), secret.New(testToken), secret.New(testSig)),
		Logger:        zerolog.Nop(),
	}
	if modify != nil {
		modify(&opts)
	}
	c := NewClient(opts)
	w := &waits{}
	c.OnWait(w.record)
	return c, w
}

// scriptedServer answers with the given statuses in turn (the last one repeats) and
// counts requests.
func scriptedServer(t *testing.T, statuses []int, header http.Header) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		status := statuses[min(i, len(statuses)-1)]
		if status != http.StatusOK {
			for k, vs := range header {
				w.Header()[k] = vs
			}
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"status":%d}`, status)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func assertNoSecret(t *testing.T, what, text string) {
	t.Helper()
	for _, s := range testSecrets {
		// Any 8 characters of a secret count: a truncated secret is still a leak.
		for i := 0; i+8 <= len(s); i++ {
			if strings.Contains(text, s[i:i+8]) {
				t.Errorf("%s contains part of a secret (%q): %s", what, s[i:i+8], text)
				break
			}
		}
	}
}

func TestClient_RetryAfterSecondsIsHonoured(t *testing.T) {
	srv, n := scriptedServer(t, []int{http.StatusTooManyRequests, http.StatusOK},
		http.Header{"Retry-After": {"1"}})
	c, w := testClient(t, nil)

	start := time.Now()
	body, _, err := c.Do(t.Context(), Request{Method: http.MethodGet, URL: srv.URL + "/organizations"})
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if string(body) != `{"status":200}` {
		t.Errorf("body = %s", body)
	}
	if got := n.Load(); got != 2 {
		t.Errorf("requests = %d, want 2", got)
	}
	got := w.of("retry_after")
	if len(got) != 1 || got[0] != time.Second {
		t.Errorf("retry_after waits = %v, want [1s] (Retry-After, not the backoff)", got)
	}
	if elapsed := time.Since(start); elapsed < 900*time.Millisecond {
		t.Errorf("Do returned after %v, before Retry-After elapsed", elapsed)
	}
}

func TestClient_RetryAfterHTTPDateIsHonoured(t *testing.T) {
	// A date three seconds ahead, capped by MaxRetryAfter so the test stays fast: the
	// reported wait is the cap, which only the Retry-After path can produce (a 503's
	// backoff is at most MaxWait and is not reported).
	date := time.Now().Add(3 * time.Second).UTC().Format(http.TimeFormat)
	srv, n := scriptedServer(t, []int{http.StatusServiceUnavailable, http.StatusOK},
		http.Header{"Retry-After": {date}})
	c, w := testClient(t, func(o *ClientOptions) { o.MaxRetryAfter = 200 * time.Millisecond })

	if _, _, err := c.Do(t.Context(), Request{Method: http.MethodGet, URL: srv.URL + "/configurations"}); err != nil {
		t.Fatalf("Do: %v", err)
	}
	if got := n.Load(); got != 2 {
		t.Errorf("requests = %d, want 2", got)
	}
	if got := w.of("retry_after"); len(got) != 1 || got[0] != 200*time.Millisecond {
		t.Errorf("retry_after waits = %v, want [200ms]", got)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"1", time.Second, true},
		{"120", 2 * time.Minute, true},
		{"0", 0, true},
		{"Sun, 01 Mar 2026 12:00:30 GMT", 30 * time.Second, true},
		{"Sun, 01 Mar 2026 11:59:00 GMT", 0, true}, // in the past: retry now
		{"", 0, false},
		{"-5", 0, false},
		{"soon", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseRetryAfter(tt.in, now)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// TestClient_StatusRetriesAndOutcome covers which statuses are retried and how the
// final error is classified for coverage.
func TestClient_StatusRetriesAndOutcome(t *testing.T) {
	const maxRetries = 2
	tests := []struct {
		status       int
		wantRequests int32
		wantOutcome  vocab.Outcome
	}{
		{http.StatusInternalServerError, maxRetries + 1, vocab.OutcomeFailed},
		{http.StatusBadGateway, maxRetries + 1, vocab.OutcomeFailed},
		{http.StatusTooManyRequests, maxRetries + 1, vocab.OutcomeThrottled},
		{http.StatusNotImplemented, 1, vocab.OutcomeFailed},
		{http.StatusNotFound, 1, vocab.OutcomeFailed},
		{http.StatusBadRequest, 1, vocab.OutcomeFailed},
		{http.StatusUnauthorized, 1, vocab.OutcomeAccessDenied},
		{http.StatusForbidden, 1, vocab.OutcomeAccessDenied},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			srv, n := scriptedServer(t, []int{tt.status}, nil)
			c, _ := testClient(t, func(o *ClientOptions) { o.MaxRetries = maxRetries })

			_, _, err := c.Do(t.Context(), Request{Method: http.MethodGet, URL: srv.URL + "/configurations?page[number]=2"})
			if got := n.Load(); got != tt.wantRequests {
				t.Errorf("requests = %d, want %d", got, tt.wantRequests)
			}
			var serr *StatusError
			if !errors.As(err, &serr) {
				t.Fatalf("error = %v (%T), want *StatusError", err, err)
			}
			if serr.Status != tt.status || serr.Vendor != "itglue" || serr.Path != "/configurations" || serr.Method != http.MethodGet {
				t.Errorf("StatusError = %+v", serr)
			}
			msg := err.Error()
			if !strings.Contains(msg, "itglue") || !strings.Contains(msg, "/configurations") || !strings.Contains(msg, fmt.Sprint(tt.status)) {
				t.Errorf("error %q does not name vendor, path and status", msg)
			}
			if strings.Contains(msg, "page[number]") {
				t.Errorf("error %q shows the query string", msg)
			}
			if got := Classify(err); got != tt.wantOutcome {
				t.Errorf("Classify = %s, want %s", got, tt.wantOutcome)
			}
			if got := Classify(fmt.Errorf("listing configurations: %w", err)); got != tt.wantOutcome {
				t.Errorf("Classify of wrapped error = %s, want %s", got, tt.wantOutcome)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		want vocab.Outcome
	}{
		{nil, vocab.OutcomeOK},
		{&StatusError{Status: 401}, vocab.OutcomeAccessDenied},
		{&StatusError{Status: 403}, vocab.OutcomeAccessDenied},
		{&StatusError{Status: 429}, vocab.OutcomeThrottled},
		{&StatusError{Status: 500}, vocab.OutcomeFailed},
		{Misconfigured(errors.New("no type named Firewall")), vocab.OutcomeMisconfigured},
		{fmt.Errorf("pulling: %w", context.Canceled), vocab.OutcomeCancelled},
		{errors.New("boom"), vocab.OutcomeFailed},
	}
	for _, tt := range tests {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("Classify(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}

func TestClient_CancelWhileWaitingForRetry(t *testing.T) {
	srv, n := scriptedServer(t, []int{http.StatusServiceUnavailable}, http.Header{"Retry-After": {"30"}})
	c, _ := testClient(t, nil)

	ctx, cancel := context.WithCancel(t.Context())
	first := make(chan struct{})
	go func() {
		for n.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		close(first)
		time.Sleep(20 * time.Millisecond)
		cancel()
	}()
	start := time.Now()
	_, _, err := c.Do(ctx, Request{Method: http.MethodGet, URL: srv.URL + "/organizations"})
	elapsed := time.Since(start)
	<-first
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if elapsed > time.Second {
		t.Errorf("Do returned after %v, want promptly after cancel", elapsed)
	}
	if got := n.Load(); got != 1 {
		t.Errorf("requests = %d, want 1", got)
	}
	if !strings.Contains(err.Error(), "itglue") || !strings.Contains(err.Error(), "/organizations") {
		t.Errorf("error %q does not name vendor and path", err)
	}
	if got := Classify(err); got != vocab.OutcomeCancelled {
		t.Errorf("Classify = %s, want cancelled", got)
	}
}

func TestClient_SendsUserAgent(t *testing.T) {
	var got atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("User-Agent"))
	}))
	defer srv.Close()
	c, _ := testClient(t, nil)
	// A caller's own User-Agent does not replace the configured one.
	req := Request{Method: http.MethodGet, URL: srv.URL, Header: http.Header{"User-Agent": {"curl/8"}}}
	if _, _, err := c.Do(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	if ua, _ := got.Load().(string); ua != "Custos/1.2.3-test" {
		t.Errorf("User-Agent = %q, want Custos/1.2.3-test", ua)
	}
}

func TestClient_RateLimitReportsWaits(t *testing.T) {
	srv, n := scriptedServer(t, []int{http.StatusOK}, nil)
	c, w := testClient(t, func(o *ClientOptions) {
		o.RatePerSecond = 20
		o.Burst = 1
	})
	const requests = 4
	for range requests {
		if _, _, err := c.Do(t.Context(), Request{Method: http.MethodGet, URL: srv.URL}); err != nil {
			t.Fatal(err)
		}
	}
	if got := n.Load(); got != requests {
		t.Errorf("requests = %d, want %d", got, requests)
	}
	if got := w.of("rate_limit"); len(got) == 0 {
		t.Error("OnWait was never told about a rate_limit wait")
	}
}

// echoServer answers 400 with the request's secret-carrying parts in the body, as a
// careless vendor does, padded so that a secret straddles the error's excerpt limit.
func echoServer(t *testing.T, padding int) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		// Bare values first (only the redactor's knowledge hides them), then the
		// shapes a pattern recognises.
		fmt.Fprintf(w, "%ssig %s key %s; x-api-key=%s; Authorization: %s; uri=%s; query=%s",
			strings.Repeat(".", padding), r.URL.Query().Get("sig"), r.Header.Get("x-api-key"),
			r.Header.Get("x-api-key"), r.Header.Get("Authorization"), r.RequestURI, r.URL.RawQuery)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestClient_ErrorsNeverShowSecrets(t *testing.T) {
	for _, padding := range []int{0, 490, 500, 505} {
		t.Run(fmt.Sprintf("padding %d", padding), func(t *testing.T) {
			srv := echoServer(t, padding)
			c, _ := testClient(t, nil)
			_, _, err := c.Do(t.Context(), Request{
				Method: http.MethodGet,
				URL:    srv.URL + "/reports?sig=" + testSig + "&page=2",
				Header: http.Header{"x-api-key": {testAPIKey}, "Authorization": {"Bearer " + testToken}},
			})
			var serr *StatusError
			if !errors.As(err, &serr) || serr.Status != http.StatusBadRequest {
				t.Fatalf("error = %v, want a 400 StatusError", err)
			}
			assertNoSecret(t, "error", err.Error())
			assertNoSecret(t, "StatusError.Body", serr.Body)
			if padding == 0 && !strings.Contains(serr.Body, secret.Placeholder) {
				t.Errorf("body %q shows no placeholder: was anything echoed?", serr.Body)
			}
		})
	}
}

// closedPort returns the address of a port that was free a moment ago: a
// connection to it is refused.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestClient_ConnectionErrorHidesQuery(t *testing.T) {
	addr := closedPort(t)

	c, _ := testClient(t, func(o *ClientOptions) {
		o.MaxRetries = 1
		o.Redactor = nil // the query must be hidden even without a redactor
	})
	_, _, err := c.Do(t.Context(), Request{Method: http.MethodGet, URL: "http://" + addr + "/download?sig=" + testSig})
	if err == nil {
		t.Fatal("Do succeeded against a closed port")
	}
	msg := err.Error()
	assertNoSecret(t, "connection error", msg)
	if strings.Contains(msg, "sig=") || strings.Contains(msg, "?") {
		t.Errorf("error %q shows the query", msg)
	}
	if !strings.Contains(msg, "itglue") || !strings.Contains(msg, "/download") {
		t.Errorf("error %q does not name vendor and path", msg)
	}
	if !errors.Is(err, ErrUnreachable) {
		t.Errorf("error %q is not ErrUnreachable", msg)
	}
}

func TestClient_BadURLHidesSecrets(t *testing.T) {
	c, _ := testClient(t, nil)
	_, _, err := c.Do(t.Context(), Request{Method: http.MethodGet, URL: "http://h.example/%zz?sig=" + testSig})
	if err == nil {
		t.Fatal("Do accepted a malformed URL")
	}
	assertNoSecret(t, "error", err.Error())
}

func TestClient_LogsDuringRetriesShowNoSecret(t *testing.T) {
	srv, n := scriptedServer(t, []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusOK}, nil)
	var logs bytes.Buffer
	c, _ := testClient(t, func(o *ClientOptions) {
		// No redacting writer here: the client itself must not log secrets.
		o.Logger = zerolog.New(&logs).Level(zerolog.DebugLevel)
	})
	_, _, err := c.Do(t.Context(), Request{
		Method: http.MethodGet,
		URL:    srv.URL + "/configurations?sig=" + testSig,
		Header: http.Header{"x-api-key": {testAPIKey}, "Authorization": {"Bearer " + testToken}},
	})
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if got := n.Load(); got != 3 {
		t.Errorf("requests = %d, want 3", got)
	}
	out := logs.String()
	if !strings.Contains(out, "retrying request") {
		t.Errorf("no retry was logged: %q", out)
	}
	assertNoSecret(t, "log output", out)
	if strings.Contains(out, "sig=") {
		t.Errorf("log output shows the query: %s", out)
	}
}

func TestClient_MaxBodyBytes(t *testing.T) {
	const limit = 1024
	tests := []struct {
		size    int
		status  int
		wantErr bool
	}{
		{limit, http.StatusOK, false},
		{limit + 1, http.StatusOK, true},
		{10 * limit, http.StatusOK, true},
		{10 * limit, http.StatusInternalServerError, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d bytes status %d", tt.size, tt.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				w.Write(bytes.Repeat([]byte("x"), tt.size))
			}))
			defer srv.Close()
			c, _ := testClient(t, func(o *ClientOptions) {
				o.MaxBodyBytes = limit
				o.MaxRetries = 0
			})
			body, _, err := c.Do(t.Context(), Request{Method: http.MethodGet, URL: srv.URL + "/attachments"})
			if !tt.wantErr {
				if err != nil || len(body) != tt.size {
					t.Fatalf("Do = %d bytes, %v; want %d bytes", len(body), err, tt.size)
				}
				return
			}
			var be *httpsafe.BodyTooLargeError
			if !errors.As(err, &be) || be.Limit != limit || be.Vendor != "itglue" {
				t.Errorf("error = %v, want body too large naming itglue and the limit", err)
			}
			if body != nil {
				t.Errorf("Do returned %d bytes with the error", len(body))
			}
		})
	}
}

// TestClient_RedirectKeepsCredentialsHome: a vendor's 30x to another host (another
// port of localhost counts) is not followed, so the API key never reaches it, it is
// not retried, and the error names where it was sent; a same-host redirect works.
func TestClient_RedirectKeepsCredentialsHome(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
	}))
	defer other.Close()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/collect", http.StatusTemporaryRedirect)
		case "/moved":
			http.Redirect(w, r, "/here", http.StatusMovedPermanently)
		case "/here":
			if r.Header.Get("x-api-key") != testAPIKey {
				t.Errorf("the same-host redirect lost the key")
			}
			w.Write([]byte("ok"))
		}
	}))
	defer srv.Close()
	c, _ := testClient(t, func(o *ClientOptions) { o.MaxRetries = 2 })
	header := http.Header{"x-api-key": {testAPIKey}}
	body, _, err := c.Do(t.Context(), Request{Method: http.MethodGet, URL: srv.URL + "/moved", Header: header})
	if err != nil || string(body) != "ok" {
		t.Fatalf("same-host redirect: %q, %v", body, err)
	}
	calls.Store(0)
	_, _, err = c.Do(t.Context(), Request{Method: http.MethodGet, URL: srv.URL + "/away", Header: header})
	var re *httpsafe.RedirectError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), other.URL+"/collect") {
		t.Fatalf("err = %v, want a redirect error naming %s/collect", err, other.URL)
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("the refused redirect was sent %d times, want 1 (no retry)", n)
	}
	assertNoSecret(t, "error", err.Error())
}

// TestClient_OnRequestCountsEveryAttempt counts the attempts the client sends,
// retries included, as the server counts them.
func TestClient_OnRequestCountsEveryAttempt(t *testing.T) {
	tests := []struct {
		name     string
		statuses []int
		want     int32
	}{
		{"answered at once", []int{http.StatusOK}, 1},
		{"two retries", []int{http.StatusServiceUnavailable, http.StatusInternalServerError, http.StatusOK}, 3},
		{"retries exhausted", []int{http.StatusInternalServerError}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, served := scriptedServer(t, tt.statuses, nil)
			c, _ := testClient(t, nil)
			var sent atomic.Int32
			c.OnRequest(func() { sent.Add(1) })
			_, _, _ = c.Do(t.Context(), Request{Method: http.MethodGet, URL: srv.URL + "/organizations"})
			if sent.Load() != tt.want || served.Load() != tt.want {
				t.Errorf("OnRequest told of %d requests, the server answered %d; want %d", sent.Load(), served.Load(), tt.want)
			}
		})
	}
}

// TestTransportError_CauseIsTheSameForEveryPath fails two requests for different
// paths against a closed port: their errors name their paths, their causes are
// one and name neither.
func TestTransportError_CauseIsTheSameForEveryPath(t *testing.T) {
	addr := closedPort(t)
	c, _ := testClient(t, func(o *ClientOptions) { o.MaxRetries = 0 })
	var causes []string
	for _, path := range []string{"/organizations/1/relationships/configurations", "/organizations/2/relationships/configurations"} {
		_, _, err := c.Do(t.Context(), Request{Method: http.MethodGet, URL: "http://" + addr + path})
		var te *TransportError
		if !errors.As(err, &te) {
			t.Fatalf("%s: error %v is not a *TransportError", path, err)
		}
		if !strings.Contains(err.Error(), path) || strings.Contains(te.Cause(), "/organizations") {
			t.Errorf("%s: error %q should name the path, cause %q should not", path, err, te.Cause())
		}
		causes = append(causes, te.Cause())
	}
	if causes[0] != causes[1] || !strings.Contains(causes[0], addr) {
		t.Errorf("causes %q, want one cause naming %s", causes, addr)
	}
}
