package onlinecheck_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/onlinecheck"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/vocab"
)

// stub is a stream whose scopes, pull and probe are given.
type stub struct {
	name      string
	scopesErr error
	pull      func(sink connectors.Sink) error
	pages     int
}

func (s *stub) Name() string          { return s.name }
func (s *stub) Mode() connectors.Mode { return connectors.Snapshot }
func (s *stub) Needs() []string       { return []string{"read " + s.name, "an API key"} }
func (s *stub) Scopes(context.Context) ([]connectors.Scope, error) {
	return []connectors.Scope{{ID: "42", Name: "Contoso Ltd"}}, s.scopesErr
}
func (s *stub) Pull(ctx context.Context, _ connectors.Scope, _ connectors.Cursor, sink connectors.Sink) (connectors.Cursor, error) {
	counting := countingSink{Sink: sink, n: &s.pages}
	return "", s.pull(counting)
}

// prober is a stub that probes instead of pulling.
type prober struct {
	stub
	err error
}

func (p *prober) Probe(context.Context, connectors.Scope) error { return p.err }

type countingSink struct {
	connectors.Sink
	n *int
}

func (c countingSink) Page(ctx context.Context, recs []record.Record, next connectors.Cursor) error {
	*c.n++
	return c.Sink.Page(ctx, recs, next)
}

type stubConnector struct{ streams []connectors.Stream }

func (c stubConnector) Name() string                    { return "vendor" }
func (c stubConnector) Streams() []connectors.Stream    { return c.streams }
func (c stubConnector) Check(ctx context.Context) error { return nil }

// twoPages hands over two pages unless the sink refuses the first.
func twoPages(sink connectors.Sink) error {
	for range 2 {
		if err := sink.Page(context.Background(), nil, ""); err != nil {
			return fmt.Errorf("handing over a page: %w", err)
		}
	}
	return nil
}

// TestRun_StatusAndFixFromTheError: each way a probe can end gives its status and
// fix, in one cell per stream and scope named by the customer.
func TestRun_StatusAndFixFromTheError(t *testing.T) {
	denied := errors.New("HTTP 403")
	tests := []struct {
		name   string
		stream connectors.Stream
		status onlinecheck.Status
		scope  string
		fix    string
		error  string
		pages  int // pages the pull handed over, for a stream without Probe
	}{
		{name: "probe ok", stream: &prober{stub: stub{name: "s"}}, status: onlinecheck.OK, scope: "Contoso Ltd"},
		{name: "pull stopped at its first page", stream: &stub{name: "s", pull: twoPages}, status: onlinecheck.OK, scope: "Contoso Ltd", pages: 1},
		{name: "pull with nothing to hand over", stream: &stub{name: "s", pull: func(connectors.Sink) error { return nil }}, status: onlinecheck.OK, scope: "Contoso Ltd"},
		{name: "access denied names the needs", stream: &prober{stub: stub{name: "s"}, err: fmt.Errorf("probe: %w", &connectors.ClassifiedError{Kind: vocab.OutcomeAccessDenied, Err: denied})},
			status: onlinecheck.MissingPermission, scope: "Contoso Ltd", fix: "grant what the stream needs: read s; an API key", error: "HTTP 403"},
		{name: "credentials refused name the section", stream: &prober{stub: stub{name: "s"}, err: &connectors.ClassifiedError{Kind: vocab.OutcomeAccessDenied,
			Err: &connectors.StatusError{Vendor: "vendor", Status: 401, Body: `{"errors":[{"status":"401"}]}`}}},
			status: onlinecheck.MissingPermission, scope: "Contoso Ltd", fix: "refused the credentials: check the key (or user and secret) under [connectors.vendor]"},
		{name: "the connector's fix wins", stream: &prober{stub: stub{name: "s"}, err: &connectors.ClassifiedError{Kind: vocab.OutcomeNotLicensed, Err: denied, Remedy: "buy P1"}},
			status: onlinecheck.LicenceMissing, scope: "Contoso Ltd", fix: "buy P1"},
		{name: "auditing off", stream: &prober{stub: stub{name: "s"}, err: &connectors.ClassifiedError{Kind: vocab.OutcomeAuditingDisabled, Err: denied}},
			status: onlinecheck.AuditingOff, scope: "Contoso Ltd", fix: "audit log"},
		{name: "no answer", stream: &prober{stub: stub{name: "s"}, err: fmt.Errorf("GET /x: refused: %w", connectors.ErrUnreachable)},
			status: onlinecheck.Unreachable, scope: "Contoso Ltd", fix: "base URL", error: "refused"},
		{name: "timed out", stream: &prober{stub: stub{name: "s"}, err: fmt.Errorf("GET /x: %w", context.DeadlineExceeded)},
			status: onlinecheck.Unreachable, scope: "Contoso Ltd", fix: "firewall"},
		{name: "anything else", stream: &prober{stub: stub{name: "s"}, err: errors.New("decoding the answer")},
			status: onlinecheck.Failed, scope: "Contoso Ltd", fix: "read the error", error: "decoding the answer"},
		{name: "panic", stream: &stub{name: "s", pull: func(connectors.Sink) error { panic("nil map") }},
			status: onlinecheck.Failed, scope: "Contoso Ltd", error: "panicked: nil map"},
		{name: "scopes not listed", stream: &stub{name: "s", scopesErr: &connectors.ClassifiedError{Kind: vocab.OutcomeAccessDenied, Err: denied}},
			status: onlinecheck.MissingPermission, scope: "(scopes not listed)", fix: "whole-account cells first"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := onlinecheck.Run(context.Background(), []connectors.Connector{stubConnector{[]connectors.Stream{tc.stream}}}, onlinecheck.Options{})
			if len(r.Cells) != 1 {
				t.Fatalf("%d cells, want 1: %+v", len(r.Cells), r.Cells)
			}
			c := r.Cells[0]
			if c.Status != tc.status || c.ScopeName != tc.scope || !strings.Contains(c.Fix, tc.fix) || !strings.Contains(c.Error, tc.error) {
				t.Errorf("cell = %+v, want status %s, scope %q, a fix with %q and an error with %q", c, tc.status, tc.scope, tc.fix, tc.error)
			}
			if tc.status == onlinecheck.OK && (c.Fix != "" || c.Error != "") {
				t.Errorf("an ok cell has fix %q and error %q", c.Fix, c.Error)
			}
			if (tc.status == onlinecheck.OK) != r.OK() {
				t.Errorf("report OK = %v with a cell %s", r.OK(), c.Status)
			}
			if s, ok := tc.stream.(*stub); ok && s.pages != tc.pages {
				t.Errorf("the pull handed over %d pages, want %d", s.pages, tc.pages)
			}
		})
	}
}
