package screenconnect

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
)

// ConnectionsStream reads the technicians' Host connections to sessions of the
// configured types: each one a record.AccessEvent of kind remote_session.
type ConnectionsStream struct {
	c *Connector
}

// Name implements connectors.Stream.
func (s *ConnectionsStream) Name() string { return "connections" }

// Mode implements connectors.Stream.
func (s *ConnectionsStream) Mode() connectors.Mode { return connectors.Incremental }

// Needs implements connectors.Stream.
func (s *ConnectionsStream) Needs() []string { return needs() }

// Scopes implements connectors.Stream: the whole account.
func (s *ConnectionsStream) Scopes(context.Context) ([]connectors.Scope, error) {
	return []connectors.Scope{connectors.Account}, nil
}

// connectionsReport is the cursor's key for the connections stream.
const connectionsReport = "SessionConnection"

// Pull implements connectors.Stream. It reads the connections that started since the
// cursor (less the overlap), one sink page per report window. The cursor moves to
// the newest start read, but never past a connection still open, so that it is
// read again until it closes. The window is covered as far as the source has handed
// it over, open connections included: they were read, as they are now.
func (s *ConnectionsStream) Pull(ctx context.Context, _ connectors.Scope, from connectors.Cursor, sink connectors.Sink) (connectors.Cursor, error) {
	m := pullMarks(s.Name(), from, sink)
	w := s.c.window(m, connectionsReport, s.c.now())
	newest, ok := m[connectionsReport]
	if !ok {
		newest = w.from
	}
	var open *time.Time
	err := s.c.src.connections(ctx, s.c.query(s.Name()), w, func(rows []connectionRow, through time.Time) error {
		if len(rows) == 0 {
			sink.Covered(w.from, through)
			return nil
		}
		slices.SortFunc(rows, func(a, b connectionRow) int {
			return cmp.Or(a.Connected.Compare(b.Connected), cmp.Compare(a.ID, b.ID))
		})
		recs := make([]record.Record, 0, len(rows))
		for _, r := range rows {
			recs = append(recs, remoteSession(r))
			if r.Connected.After(newest) {
				newest = r.Connected
			}
			if r.Disconnected == nil && (open == nil || r.Connected.Before(*open)) {
				open = &r.Connected
			}
		}
		m[connectionsReport] = newest
		if open != nil && open.Before(newest) {
			m[connectionsReport] = *open
		}
		if err := sink.Page(ctx, recs, m.cursor()); err != nil {
			return fmt.Errorf("screenconnect: connections for %s: handing over records: %w", w, err)
		}
		sink.Covered(w.from, through)
		return nil
	})
	if err != nil {
		return "", err
	}
	if _, ok := m[connectionsReport]; !ok {
		m[connectionsReport] = newest
	}
	return m.cursor(), nil
}
