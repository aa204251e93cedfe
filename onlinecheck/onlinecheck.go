// Package onlinecheck tests, before the first sync, whether Custos can read what it
// will pull: every stream of every enabled connector, for every scope the stream
// lists (tenant, organisation, site), with the cheapest request its pull makes
// (connectors.Prober, or a pull stopped at its first page). Each answer becomes a
// cell of a grid, scope × stream, that says what is wrong (a permission, consent,
// licence, auditing, the network) and how to fix it. It writes nothing.
package onlinecheck

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	stdsync "sync"
	"time"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/entraauth"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/vocab"
)

// Status is what a probe of one stream for one scope found.
type Status string

// The statuses of a cell.
const (
	OK                Status = "ok"
	MissingPermission Status = "missing_permission"
	ConsentMissing    Status = "consent_missing"
	LicenceMissing    Status = "licence_missing"
	AuditingOff       Status = "auditing_off"
	Unreachable       Status = "unreachable"
	Failed            Status = "failed"
)

// Label is the status as the grid prints it, e.g. "consent missing".
func (s Status) Label() string { return strings.ReplaceAll(string(s), "_", " ") }

// Cell is the check of one stream for one scope.
type Cell struct {
	Connector string `json:"connector"`
	Stream    string `json:"stream"`
	// ScopeID is the vendor's id of the scope (a tenant id, an organisation or site
	// id); empty when the stream's scopes could not be listed.
	ScopeID string `json:"scope_id"`
	// ScopeName is the customer's name in the vendor, the id when it has none.
	ScopeName string `json:"scope_name"`
	Status    Status `json:"status"`
	// Fix is the one-line remedy of a cell that is not ok.
	Fix string `json:"fix,omitempty"`
	// Error is the vendor's answer, with no secret.
	Error string `json:"error,omitempty"`
}

// Report is every cell, in the order of the connectors, their streams and scopes.
type Report struct {
	Cells []Cell `json:"cells"`
}

// OK reports whether every cell is ok.
func (r Report) OK() bool {
	for _, c := range r.Cells {
		if c.Status != OK {
			return false
		}
	}
	return true
}

// Problems returns the cells that are not ok.
func (r Report) Problems() []Cell {
	var out []Cell
	for _, c := range r.Cells {
		if c.Status != OK {
			out = append(out, c)
		}
	}
	return out
}

// Options bound a check.
type Options struct {
	// Concurrency is how many probes run at once (4 when not positive).
	Concurrency int
	// Timeout bounds each probe and each listing of scopes (1 minute when not positive).
	Timeout time.Duration
}

// allScopes is the scope name of a cell whose stream could not list its scopes.
const allScopes = "(scopes not listed)"

// unlistedFix is the fix of a stream whose scopes could not be listed for a reason
// that names no fix: the listing reads what the connector's account-wide streams read.
const unlistedFix = "the stream's scopes could not be listed: fix the connector's whole-account cells first, then check again"

// Run probes every stream of conns for every scope it lists.
func Run(ctx context.Context, conns []connectors.Connector, opts Options) Report {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.Timeout <= 0 {
		opts.Timeout = time.Minute
	}
	type job struct {
		stream connectors.Stream
		scope  connectors.Scope
		cell   *Cell
	}
	var (
		cells []*Cell
		jobs  []job
	)
	for _, c := range conns {
		for _, s := range c.Streams() {
			scopes, err := scopesOf(ctx, s, opts.Timeout)
			if err != nil {
				cell := &Cell{Connector: c.Name(), Stream: s.Name(), ScopeName: allScopes}
				diagnose(cell, s, err)
				if connectors.FixOf(err) == "" && cell.Status != Unreachable {
					cell.Fix = unlistedFix
				}
				cells = append(cells, cell)
				continue
			}
			for _, sc := range scopes {
				cell := &Cell{Connector: c.Name(), Stream: s.Name(), ScopeID: sc.ID, ScopeName: nameOf(sc)}
				cells = append(cells, cell)
				jobs = append(jobs, job{s, sc, cell})
			}
		}
	}
	sem := make(chan struct{}, opts.Concurrency)
	var wg stdsync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			pctx, cancel := context.WithTimeout(ctx, opts.Timeout)
			defer cancel()
			diagnose(j.cell, j.stream, probe(pctx, j.stream, j.scope))
		}()
	}
	wg.Wait()
	out := Report{Cells: make([]Cell, len(cells))}
	for i, c := range cells {
		out.Cells[i] = *c
	}
	return out
}

// nameOf is the scope's name, or its id when it has none.
func nameOf(s connectors.Scope) string {
	if s.Name != "" {
		return s.Name
	}
	return s.ID
}

// scopesOf lists a stream's scopes within timeout.
func scopesOf(ctx context.Context, s connectors.Stream, timeout time.Duration) (scopes []connectors.Scope, err error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	defer recoverInto(&err)
	return s.Scopes(ctx)
}

// errFirstPage stops a pull at its first page.
var errFirstPage = errors.New("onlinecheck: first page read")

// firstPage is the sink of a probe by pull: it refuses the first page, so the pull
// stops there and nothing is kept.
type firstPage struct{}

func (firstPage) Page(context.Context, []record.Record, connectors.Cursor) error { return errFirstPage }
func (firstPage) Warn(error)                                                     {}
func (firstPage) Covered(time.Time, time.Time)                                   {}

// probe tests one scope of a stream: with its Probe, or by a pull from the start
// stopped at its first page. A pull that finds nothing to hand over is ok too.
func probe(ctx context.Context, s connectors.Stream, scope connectors.Scope) (err error) {
	defer recoverInto(&err)
	if p, ok := s.(connectors.Prober); ok {
		return p.Probe(ctx, scope)
	}
	_, err = s.Pull(ctx, scope, "", firstPage{})
	if errors.Is(err, errFirstPage) {
		return nil
	}
	return err
}

// recoverInto turns a panic of a connector into an error.
func recoverInto(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("onlinecheck: the connector panicked: %v", r)
	}
}

// diagnose sets the cell's status, fix and error from the probe's error.
func diagnose(cell *Cell, s connectors.Stream, err error) {
	if err == nil {
		cell.Status = OK
		return
	}
	cell.Error = err.Error()
	cell.Status = statusOf(err)
	cell.Fix = connectors.FixOf(err)
	if cell.Fix != "" {
		return
	}
	var se *connectors.StatusError
	switch {
	case cell.Status == MissingPermission && errors.As(err, &se) && se.Status == http.StatusUnauthorized:
		cell.Fix = fmt.Sprintf("the vendor refused the credentials: check the key (or user and secret) under [connectors.%s]; the stream needs: %s",
			cell.Connector, strings.Join(s.Needs(), "; "))
		return
	}
	switch cell.Status {
	case MissingPermission:
		cell.Fix = "grant what the stream needs: " + strings.Join(s.Needs(), "; ")
	case Unreachable:
		cell.Fix = "check the connector's base URL, the DNS name and that a firewall or proxy lets Custos reach it"
	case LicenceMissing:
		cell.Fix = "license the tenant for what the stream needs: " + strings.Join(s.Needs(), "; ")
	case AuditingOff:
		cell.Fix = "turn on the audit log the stream reads"
	default:
		cell.Fix = "read the error; run the check again, and then custos sync, once it is fixed"
	}
}

// statusOf classifies a probe's error.
func statusOf(err error) Status {
	var ne net.Error
	switch o := connectors.Classify(err); {
	case errors.Is(err, entraauth.ErrConsent):
		return ConsentMissing
	case o == vocab.OutcomeNotLicensed:
		return LicenceMissing
	case o == vocab.OutcomeAuditingDisabled:
		return AuditingOff
	case o == vocab.OutcomeAccessDenied:
		return MissingPermission
	case errors.Is(err, connectors.ErrUnreachable), errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne):
		return Unreachable
	}
	return Failed
}
