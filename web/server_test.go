package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/metrics"
)

// start starts a server on a free localhost port and stops it when the test ends.
func start(t *testing.T, m *metrics.Metrics, ready func(context.Context) error) (*Server, string) {
	t.Helper()
	s := NewServer("127.0.0.1:0", m, ready, zerolog.New(io.Discard))
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return s, "http://" + s.Addr()
}

func get(t *testing.T, method, url string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(body)
}

func TestServer_Routes(t *testing.T) {
	_, base := start(t, metrics.New(), func(context.Context) error { return nil })
	for _, tc := range []struct {
		method, path string
		code         int
		body         string // a substring of the body
	}{
		{"GET", "/healthz", 200, "ok"},
		{"HEAD", "/healthz", 200, ""},
		{"GET", "/readyz", 200, `"status":"ok"`},
		{"GET", "/metrics", 200, "go_goroutines"},
		{"POST", "/healthz", 405, ""},
		{"DELETE", "/readyz", 405, ""},
		{"PUT", "/metrics", 405, ""},
		{"GET", "/", 404, ""},
		{"GET", "/healthz/extra", 404, ""},
		{"GET", "/api/findings", 404, ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			code, header, body := get(t, tc.method, base+tc.path)
			if code != tc.code {
				t.Fatalf("status %d, want %d; body %q", code, tc.code, body)
			}
			if !strings.Contains(body, tc.body) {
				t.Errorf("body %q lacks %q", body, tc.body)
			}
			if code == 405 && header.Get("Allow") == "" {
				t.Error("405 without an Allow header")
			}
		})
	}
}

func TestReadyz_FlipsFromFailingToPassing(t *testing.T) {
	var failure atomic.Pointer[error]
	notYet := errors.New("store: migrations pending")
	failure.Store(&notYet)
	_, base := start(t, nil, func(context.Context) error {
		if p := failure.Load(); p != nil {
			return *p
		}
		return nil
	})

	code, header, body := get(t, "GET", base+"/readyz")
	if code != http.StatusServiceUnavailable {
		t.Fatalf("not ready: status %d, want 503", code)
	}
	if ct := header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("content type %q, want application/json", ct)
	}
	var got readiness
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	if want := (readiness{Status: "unavailable", Reason: "store: migrations pending"}); got != want {
		t.Errorf("body %+v, want %+v", got, want)
	}

	failure.Store(nil)
	if code, _, body := get(t, "GET", base+"/readyz"); code != http.StatusOK {
		t.Fatalf("ready: status %d, want 200; body %q", code, body)
	}
}

func TestReadyz_CheckThatHangsIsUnavailable(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	s := NewServer("127.0.0.1:0", nil, func(context.Context) error {
		<-release // ignores its context on purpose
		return nil
	}, zerolog.New(io.Discard))
	s.readyTimeout = 50 * time.Millisecond
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())

	began := time.Now()
	code, _, body := get(t, "GET", "http://"+s.Addr()+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "did not answer within 50ms") {
		t.Errorf("status %d body %q, want 503 with the timeout as reason", code, body)
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("answered after %s", took)
	}
}

func TestReadyz_CheckThatPanicsIsUnavailable(t *testing.T) {
	_, base := start(t, nil, func(context.Context) error { panic("boom") })
	code, _, body := get(t, "GET", base+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "boom") {
		t.Errorf("status %d body %q, want 503 naming the panic", code, body)
	}
}

func TestMetrics_ServesWhatWasRecorded(t *testing.T) {
	m := metrics.New()
	_, base := start(t, m, nil)
	m.ObservePull("itglue", "configurations", "ok", 42, time.Second)
	m.SetOpenFindings(map[metrics.FindingKey]int{{Rule: "CONFIG-BACKUP-MISSING", Severity: "high"}: 3})

	code, _, body := get(t, "GET", base+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	for _, want := range []string{
		`custos_records_pulled_total{connector="itglue",stream="configurations"} 42`,
		`custos_findings_open{rule="CONFIG-BACKUP-MISSING",severity="high"} 3`,
		`promhttp_metric_handler_requests_total`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestServer_StartFailsOnBusyAddress(t *testing.T) {
	s1, _ := start(t, nil, nil)
	s2 := NewServer(s1.Addr(), nil, nil, zerolog.New(io.Discard))
	if err := s2.Start(); err == nil {
		_ = s2.Shutdown(context.Background())
		t.Fatal("second server on the same address started")
	}
}

func TestShutdown_StopsServingAndIsIdempotent(t *testing.T) {
	var buf bytes.Buffer
	s := NewServer("127.0.0.1:0", nil, nil, zerolog.New(&buf))
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatalf("shutdown before start: %v", err)
	}
	s = NewServer("127.0.0.1:0", nil, nil, zerolog.New(&buf))
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	addr := s.Addr()
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatalf("second shutdown: %v", err)
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("server still answers after shutdown")
	}
	if strings.Contains(buf.String(), `"level":"error"`) {
		t.Errorf("a clean shutdown logged an error: %s", buf.String())
	}
}
