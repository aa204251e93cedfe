package screenconnect

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
)

// sessionsPerPage bounds a sink page of the sessions stream (two records each).
const sessionsPerPage = 500

// SessionsStream lists every session of the configured types: the machine
// (record.Endpoint), its agent's life (record.Agent), and each distinct company
// value (record.Organization).
type SessionsStream struct {
	c *Connector
}

// Name implements connectors.Stream.
func (s *SessionsStream) Name() string { return "sessions" }

// Mode implements connectors.Stream.
func (s *SessionsStream) Mode() connectors.Mode { return connectors.Snapshot }

// Needs implements connectors.Stream.
func (s *SessionsStream) Needs() []string { return needs() }

// Scopes implements connectors.Stream: the whole account.
func (s *SessionsStream) Scopes(context.Context) ([]connectors.Scope, error) {
	return []connectors.Scope{connectors.Account}, nil
}

// sessionCursor resumes a sessions pull after session After (sessions go in id order).
type sessionCursor struct {
	After string `json:"after"`
}

// Pull implements connectors.Stream. It reads every session, then hands them over
// in id order, sessionsPerPage at a time; the last page also carries the
// organizations and the empty cursor.
func (s *SessionsStream) Pull(ctx context.Context, _ connectors.Scope, from connectors.Cursor, sink connectors.Sink) (connectors.Cursor, error) {
	var cur sessionCursor
	if from != "" {
		if err := json.Unmarshal([]byte(from), &cur); err != nil || cur.After == "" {
			sink.Warn(fmt.Errorf("screenconnect: sessions: unreadable cursor %q, restarting from the first session", excerpt([]byte(from))))
			cur = sessionCursor{}
		}
	}
	q := s.c.query(s.Name())
	q.events = s.c.eventTypes(ctx)
	rows, err := s.c.src.sessions(ctx, q)
	if err != nil {
		return "", err
	}
	slices.SortFunc(rows, func(a, b sessionRow) int { return strings.Compare(a.ID, b.ID) })
	companies := map[string]bool{}
	for _, r := range rows {
		if r.Company != "" {
			companies[r.Company] = true
		}
	}
	rows = slices.DeleteFunc(rows, func(r sessionRow) bool { return cur.After != "" && r.ID <= cur.After })
	for len(rows) > 0 || companies != nil {
		n := min(len(rows), sessionsPerPage)
		recs := make([]record.Record, 0, 2*n)
		for _, r := range rows[:n] {
			recs = append(recs, endpointOf(r), agentOf(r))
		}
		var next connectors.Cursor
		if n < len(rows) {
			b, _ := json.Marshal(sessionCursor{After: rows[n-1].ID})
			next = connectors.Cursor(b)
		} else {
			for _, name := range slices.Sorted(maps.Keys(companies)) {
				recs = append(recs, organizationOf(name))
			}
			companies = nil
		}
		if err := sink.Page(ctx, recs, next); err != nil {
			return "", fmt.Errorf("screenconnect: sessions: handing over records: %w", err)
		}
		rows = rows[n:]
	}
	return "", nil
}
