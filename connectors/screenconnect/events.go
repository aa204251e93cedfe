package screenconnect

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
)

// EventsStream reads what technicians did on machines besides watching the screen:
// Host-page commands, toolbox runs, agent installs and removals (session events),
// and file transfers and backstage use inside a Host connection (connection events).
// Each is a record.AccessEvent of kind command.
type EventsStream struct {
	c *Connector
}

// Name implements connectors.Stream.
func (s *EventsStream) Name() string { return "events" }

// Mode implements connectors.Stream.
func (s *EventsStream) Mode() connectors.Mode { return connectors.Incremental }

// Needs implements connectors.Stream.
func (s *EventsStream) Needs() []string { return needs() }

// Scopes implements connectors.Stream: the whole account.
func (s *EventsStream) Scopes(context.Context) ([]connectors.Scope, error) {
	return []connectors.Scope{connectors.Account}, nil
}

// eventReports are the reports the events stream reads, in order, and the level of
// their events. Their names key the cursor.
var eventReports = []struct {
	name string
	lvl  level
}{
	{"SessionEvent", sessionLevel},
	{"SessionConnectionEvent", connectionLevel},
}

// Pull implements connectors.Stream. It reads session events, then connection
// events, each since its own mark in the cursor (less the overlap), one sink page per
// report window; each mark moves to the newest event read.
func (s *EventsStream) Pull(ctx context.Context, _ connectors.Scope, from connectors.Cursor, sink connectors.Sink) (connectors.Cursor, error) {
	m := pullMarks(s.Name(), from, sink)
	now := s.c.now()
	q := s.c.query()
	q.events = s.c.eventTypes(ctx)
	for _, rep := range eventReports {
		w := s.c.window(m, rep.name, now)
		if _, ok := m[rep.name]; !ok {
			m[rep.name] = w.from
		}
		q.eventNames = q.events.wanted(rep.lvl)
		if len(q.eventNames) == 0 {
			continue
		}
		err := s.c.src.events(ctx, q, rep.lvl, w, func(rows []eventRow) error {
			slices.SortFunc(rows, func(a, b eventRow) int {
				return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.ID, b.ID))
			})
			recs := make([]record.Record, 0, len(rows))
			for _, r := range rows {
				if r.Time.After(m[rep.name]) {
					m[rep.name] = r.Time
				}
				if rec := s.record(r); rec != nil {
					recs = append(recs, rec)
				}
			}
			if len(rows) == 0 {
				return nil
			}
			if err := sink.Page(ctx, recs, m.cursor()); err != nil {
				return fmt.Errorf("screenconnect: %s events for %s: handing over records: %w", rep.name, w, err)
			}
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	return m.cursor(), nil
}

// record maps an event row, or returns nil for an event type the stream skips.
func (s *EventsStream) record(r eventRow) *record.AccessEvent {
	if a, ok := actions[r.Type]; ok {
		return command(r, a.detail(r.Data))
	}
	if known(r.Type) {
		return nil
	}
	s.c.noteUnknown(r.Type)
	return command(r, "event type "+r.Type)
}
