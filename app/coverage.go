package app

import (
	"context"
	"slices"
	"time"

	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
)

// The states of a coverage cell: how one source has been read for one customer.
const (
	// CoverageOK: its latest pull succeeded and is fresh.
	CoverageOK = "ok"
	// CoverageStale: its latest pull succeeded, but longer ago than StaleAfter.
	CoverageStale = "stale"
	// CoverageFailing: the latest pull of one of its scopes failed.
	CoverageFailing = "failing"
	// CoverageNoScope: the source is read, but has no scope for the customer (nor
	// an account-wide one): nothing is read for it.
	CoverageNoScope = "no_scope"
	// CoverageNeverRead: the source was never pulled at all.
	CoverageNeverRead = "never_read"
)

// CoverageCell is how one enabled source has been read for one customer: its scopes
// and the account-wide ones, as Freshness folds them (one Source), and the state
// the console colours the cell by.
type CoverageCell struct {
	Source
	State string `json:"state"`
	// Outcome, Error and FailedAt are those of the latest failed pull, when State is
	// failing.
	Outcome  vocab.Outcome `json:"outcome,omitempty"`
	Error    string        `json:"error,omitempty"`
	FailedAt *time.Time    `json:"failed_at,omitempty"`
}

// CoverageRow is one customer's row of the grid.
type CoverageRow struct {
	CustomerID uint           `json:"customer_id"`
	Customer   string         `json:"customer"`
	Cells      []CoverageCell `json:"cells"`
}

// CoverageGrid is the customers × sources grid of how each source has been read.
type CoverageGrid struct {
	Connectors []string      `json:"connectors"`
	Rows       []CoverageRow `json:"rows"`
	// StaleAfter is how long after its last successful read a source is stale: the
	// AUDIT-GAP rule's `after`.
	StaleAfter duration.Duration `json:"stale_after"`
	At         time.Time         `json:"at"`
}

// DefaultStaleAfter is how long a read stays fresh when the configuration sets no
// AUDIT-GAP `after`.
const DefaultStaleAfter = 24 * time.Hour

// Coverage reads the grid's rows of a page of the customers, by name, and how many
// customers there are.
func (a *App) Coverage(ctx context.Context, rows store.Rows) (CoverageGrid, int64, error) {
	g := CoverageGrid{Connectors: a.enabledConnectors(), Rows: []CoverageRow{}, StaleAfter: duration.Duration(a.staleAfter()), At: a.now()}
	customers, total, err := a.Store.CustomerSummaries(ctx, rows)
	if err != nil {
		return g, 0, err
	}
	healths, err := a.Store.StreamHealths(ctx)
	if err != nil {
		return g, 0, err
	}
	for _, c := range customers {
		g.Rows = append(g.Rows, CoverageRow{CustomerID: c.ID, Customer: c.Name, Cells: CoverageCells(g.Connectors, healths, c.ID, g.At, g.StaleAfter.Std())})
	}
	return g, total, nil
}

// staleAfter is the AUDIT-GAP rule's `after`, the time a source may go unread.
func (a *App) staleAfter() time.Duration {
	if gap := reconcile.Configured[*reconcile.AuditGap](a.Rules); gap != nil && gap.After > 0 {
		return gap.After.Std()
	}
	return DefaultStaleAfter
}

// CoverageCells says, per connector named, how it has been read for the customer at
// now, from the stream healths (store.StreamHealths): a read older than stale is
// stale.
func CoverageCells(connectors []string, healths []store.StreamHealth, customer uint, now time.Time, stale time.Duration) []CoverageCell {
	sources := summariseSources(connectors, healths, &customer)
	cells := make([]CoverageCell, len(sources))
	for i, s := range sources {
		c := CoverageCell{Source: s, State: CoverageOK}
		switch {
		case s.Scopes == 0 && !slices.ContainsFunc(healths, func(h store.StreamHealth) bool { return h.Connector == s.Connector }):
			c.State = CoverageNeverRead
		case s.Scopes == 0:
			c.State = CoverageNoScope
		case s.Failing > 0:
			c.State = CoverageFailing
			for _, h := range healths {
				if h.Connector == s.Connector && ofCustomer(h, &customer) && h.FailingSince != nil &&
					(c.FailedAt == nil || h.Last.StartedAt.After(*c.FailedAt)) {
					at := h.Last.StartedAt.UTC()
					c.Outcome, c.Error, c.FailedAt = h.Last.Outcome, h.Last.Error, &at
				}
			}
		case s.NeverRead() || now.Sub(*s.LastRead) > stale:
			c.State = CoverageStale
		}
		cells[i] = c
	}
	return cells
}
