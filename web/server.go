// Package web serves Custos's HTTP endpoints: for monitoring, liveness (/healthz),
// readiness (/readyz) and Prometheus metrics (/metrics) on one address; for the MSP's
// staff, the console and its API (package web/console) on another, over TLS or
// behind a proxy that terminates it.
package web

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	stdlog "log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/metrics"
)

// ReadyTimeout bounds one readiness check: a check that has not answered by then
// counts as not ready.
const ReadyTimeout = 2 * time.Second

// Server is the HTTP server of the daemon.
type Server struct {
	addr         string
	log          zerolog.Logger
	ready        func(ctx context.Context) error
	readyTimeout time.Duration
	srv          *http.Server
	// what the server serves, for the log
	serves string

	mu       sync.Mutex
	listener net.Listener
	done     chan struct{} // closed when Serve has returned
}

// NewServer returns a server that will listen on addr (host:port; port 0 picks a free
// one). ready reports whether Custos can do its work, e.g. whether the store answers; a
// nil ready is always ready. m may be nil, and then /metrics serves an empty registry.
func NewServer(addr string, m *metrics.Metrics, ready func(ctx context.Context) error, log zerolog.Logger) *Server {
	s := &Server{addr: addr, log: log, ready: ready, readyTimeout: ReadyTimeout, serves: "/healthz, /readyz and /metrics"}
	mux := http.NewServeMux()
	// Method patterns: the mux answers 405 (with Allow) to other methods and 404 to
	// other paths. GET also matches HEAD.
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", metricsHandler(m, log))
	s.srv = newHTTPServer(mux, log)
	return s
}

// NewConsoleServer returns a server that will serve the console on addr, over TLS
// with the certificate and key in the two PEM files when they are named, else in
// plain HTTP for a proxy that terminates TLS in front of it.
func NewConsoleServer(addr string, console http.Handler, certFile, keyFile string, log zerolog.Logger) (*Server, error) {
	s := &Server{addr: addr, log: log, serves: "the console over plain HTTP"}
	s.srv = newHTTPServer(console, log)
	if certFile != "" || keyFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("web: loading the console's TLS certificate %s and key %s: %w", certFile, keyFile, err)
		}
		s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.serves = "the console over TLS"
	}
	return s, nil
}

// newHTTPServer bounds how long a client may take, so that a slow one cannot hold a
// connection open.
func newHTTPServer(h http.Handler, log zerolog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		// Long enough for a CSV import of authorisations.
		ReadTimeout: 30 * time.Second,
		// Long enough for a readiness check, a metrics scrape and a report download.
		WriteTimeout:   60 * time.Second,
		IdleTimeout:    60 * time.Second,
		MaxHeaderBytes: 16 << 10,
		ErrorLog:       stdlog.New(httpLogWriter{log}, "", 0),
	}
}

func metricsHandler(m *metrics.Metrics, log zerolog.Logger) http.Handler {
	if m == nil {
		m = metrics.New()
	}
	reg := m.Registry()
	return promhttp.InstrumentMetricHandler(reg, promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:            promLogger{log},
		ErrorHandling:       promhttp.ContinueOnError,
		Registry:            reg,
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	}))
}

// Start listens on the address and serves in the background. It returns once the
// listener is bound, so that a request made after Start is answered; Addr then says
// where.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("web: listening on %s: %w", s.addr, err)
	}
	if err := s.StartOn(ln); err != nil {
		_ = ln.Close()
		return err
	}
	return nil
}

// StartOn serves on a listener already bound, in the background: for a caller that
// must know the address before it builds what the server serves.
func (s *Server) StartOn(ln net.Listener) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener != nil {
		return errors.New("web: server already started")
	}
	if s.srv.TLSConfig != nil {
		ln = tls.NewListener(ln, s.srv.TLSConfig)
	}
	s.listener = ln
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error().Err(err).Str("addr", ln.Addr().String()).Msg("web: serving stopped")
		}
	}()
	s.log.Info().Str("addr", ln.Addr().String()).Msg("web: serving " + s.serves)
	return nil
}

// Addr is the address the server listens on, with the port the system chose for port
// 0; empty before Start.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener == nil {
		return ""
	}
	return s.listener.Addr().String()
}

// Shutdown stops accepting connections and waits, until ctx ends, for the requests in
// flight to finish. It may be called more than once, and before Start.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	started, done := s.listener != nil, s.done
	s.mu.Unlock()
	if err := s.srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("web: shutting down: %w", err)
	}
	if started {
		select {
		case <-done:
		case <-ctx.Done():
			return fmt.Errorf("web: shutting down: %w", ctx.Err())
		}
	}
	return nil
}

// healthz answers 200 while the process runs: liveness says nothing of the store or
// the vendors.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}

type readiness struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// readyz answers 200 when the readiness check passes within the timeout, else 503
// with the reason.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	body, code := readiness{Status: "ok"}, http.StatusOK
	if err := s.checkReady(r.Context()); err != nil {
		body, code = readiness{Status: "unavailable", Reason: err.Error()}, http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}

// checkReady runs the readiness check with a deadline, and gives up at the deadline
// even when the check ignores its context.
func (s *Server) checkReady(ctx context.Context) error {
	if s.ready == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.readyTimeout)
	defer cancel()
	result := make(chan error, 1) // buffered: a late check never blocks
	go func() {
		defer func() {
			if p := recover(); p != nil {
				result <- fmt.Errorf("readiness check panicked: %v", p)
			}
		}()
		result <- s.ready(ctx)
	}()
	select {
	case err := <-result:
		return err
	case <-ctx.Done():
		return fmt.Errorf("readiness check did not answer within %s: %w", s.readyTimeout, ctx.Err())
	}
}

// promLogger passes the metrics handler's errors to the log.
type promLogger struct{ log zerolog.Logger }

func (l promLogger) Println(v ...any) {
	l.log.Error().Msg("web: serving metrics: " + strings.TrimSpace(fmt.Sprintln(v...)))
}

// httpLogWriter passes net/http's own messages (a handler's panic, a bad connection)
// to the log.
type httpLogWriter struct{ log zerolog.Logger }

func (w httpLogWriter) Write(p []byte) (int, error) {
	w.log.Warn().Msg("web: " + strings.TrimSpace(string(p)))
	return len(p), nil
}
