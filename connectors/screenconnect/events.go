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
// report window; each mark moves to the newest event read. The stream's events are
// those of both reports, so it covers the part of time that every report it reads
// has handed over in full, once the last of them is read (or failed).
func (s *EventsStream) Pull(ctx context.Context, _ connectors.Scope, from connectors.Cursor, sink connectors.Sink) (connectors.Cursor, error) {
	m := pullMarks(s.Name(), from, sink)
	now := s.c.now()
	q := s.c.query(s.Name())
	q.events = s.c.eventTypes(ctx)
	var reads []window
	defer func() { coverAll(sink, reads) }()
	for _, rep := range eventReports {
		w := s.c.window(m, rep.name, now)
		if _, ok := m[rep.name]; !ok {
			m[rep.name] = w.from
		}
		q.eventNames = q.events.wanted(rep.lvl)
		read := window{w.from, w.from}
		if len(q.eventNames) == 0 {
			reads = append(reads, window{w.from, w.to}) // nothing of it is wanted
			continue
		}
		err := s.c.src.events(ctx, q, rep.lvl, w, func(rows []eventRow, through time.Time) error {
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
			if len(rows) > 0 {
				if err := sink.Page(ctx, recs, m.cursor()); err != nil {
					return fmt.Errorf("screenconnect: %s events for %s: handing over records: %w", rep.name, w, err)
				}
			}
			read.to = through
			return nil
		})
		reads = append(reads, read)
		if err != nil {
			return "", err
		}
	}
	return m.cursor(), nil
}

// coverAll covers the part of time that every report of eventReports handed over
// in full; nothing when one of them was not read.
func coverAll(sink connectors.Sink, reads []window) {
	if len(reads) < len(eventReports) {
		return
	}
	all := reads[0]
	for _, r := range reads[1:] {
		if r.from.After(all.from) {
			all.from = r.from
		}
		if r.to.Before(all.to) {
			all.to = r.to
		}
	}
	if all.to.After(all.from) {
		sink.Covered(all.from, all.to)
	}
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
