package autotask

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
)

// TicketsStream reads the tickets and ticket notes that changed since the last pull
// and emits the permissions they record as authorisations, with an endpoint for every
// configuration item those name.
type TicketsStream struct {
	c *Connector
}

// Name implements connectors.Stream.
func (s *TicketsStream) Name() string { return "tickets" }

// Mode implements connectors.Stream.
func (s *TicketsStream) Mode() connectors.Mode { return connectors.Incremental }

// Needs implements connectors.Stream.
func (s *TicketsStream) Needs() []string { return needs() }

// Scopes implements connectors.Stream: the whole account.
func (s *TicketsStream) Scopes(context.Context) ([]connectors.Scope, error) {
	return []connectors.Scope{connectors.Account}, nil
}

// The phases of a pull: notes changed in the window, then tickets changed in it.
const (
	phaseNotes   = "notes"
	phaseTickets = "tickets"
)

// ticketCursor is the tickets stream's position. Watermark is the newest
// lastActivityDate (Autotask's clock) of a completed pull; a pull reads the window
// (Watermark − overlap, now]. Window is set while a pull is under way: a resumed pull
// finishes the same window from the same phase and id, so it leaves no gap.
type ticketCursor struct {
	Watermark time.Time `json:"watermark,omitzero"`
	Window    *window   `json:"window,omitempty"`
}

// window is one pull's range of lastActivityDate and how far it got.
type window struct {
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
	Phase string    `json:"phase"`
	// After is the highest id of the phase already handed over; -1 for none.
	After int64 `json:"after"`
	// Newest is the newest lastActivityDate seen so far (at least the watermark).
	Newest time.Time `json:"newest,omitzero"`
}

func (c ticketCursor) encode() connectors.Cursor {
	if c.Watermark.IsZero() && c.Window == nil {
		return ""
	}
	b, _ := json.Marshal(c)
	return connectors.Cursor(b)
}

// Pull implements connectors.Stream. It reads the window's ticket notes, then its
// tickets, each in ascending id order, one sink page per API page. Every page's
// cursor resumes after it; the returned cursor holds the newest lastActivityDate
// seen, which the next pull starts from (less the overlap). Rows come in id order,
// not in time order, so the window is covered only once both phases are done: by
// the pull that finishes it, which may be one that resumed it.
func (s *TicketsStream) Pull(ctx context.Context, _ connectors.Scope, from connectors.Cursor, sink connectors.Sink) (connectors.Cursor, error) {
	var cur ticketCursor
	if from != "" {
		if err := json.Unmarshal([]byte(from), &cur); err != nil || (cur.Window != nil && !validWindow(*cur.Window)) {
			sink.Warn(fmt.Errorf("autotask: tickets: unreadable cursor %q, reading the lookback again", excerpt([]byte(from))))
			cur = ticketCursor{}
		}
	}
	if cur.Window == nil {
		w := s.c.newWindow(cur.Watermark)
		cur.Window = &w
	}
	if err := s.c.checkBudget(ctx); err != nil {
		return from, fmt.Errorf("autotask: tickets: %w", err)
	}
	w := cur.Window
	what := fmt.Sprintf("changed after %s until %s", windowTime(w.Since), windowTime(w.Until))
	if w.Phase == phaseNotes {
		if err := s.pullNotes(ctx, &cur, what, sink); err != nil {
			return cur.encode(), fmt.Errorf("autotask: tickets: %w", err)
		}
		w.Phase, w.After = phaseTickets, -1
	}
	if err := s.pullTickets(ctx, &cur, what, sink); err != nil {
		return cur.encode(), fmt.Errorf("autotask: tickets: %w", err)
	}
	sink.Covered(w.Since, w.Until)
	return ticketCursor{Watermark: w.Newest}.encode(), nil
}

func validWindow(w window) bool {
	return (w.Phase == phaseNotes || w.Phase == phaseTickets) && !w.Since.IsZero() && !w.Until.Before(w.Since)
}

// newWindow starts a pull's window: from the watermark less the overlap (the first
// time, from now less the lookback) until now, or until the watermark when Autotask's
// clock is ahead of ours.
func (c *Connector) newWindow(watermark time.Time) window {
	now := c.now().UTC().Truncate(time.Second)
	since := now.Add(-c.cfg.Lookback.Std())
	if !watermark.IsZero() {
		since = watermark.Add(-c.cfg.Overlap.Std())
	}
	until := now
	if watermark.After(until) {
		until = watermark
	}
	return window{Since: since, Until: until, Phase: phaseNotes, After: -1, Newest: watermark}
}

// filter selects the window's rows by lastActivityDate.
func (w *window) filter() []condition {
	return []condition{
		{Op: "gt", Field: "lastActivityDate", Value: windowTime(w.Since)},
		{Op: "lte", Field: "lastActivityDate", Value: windowTime(w.Until)},
	}
}

// holds says whether a lastActivityDate falls in the window.
func (w *window) holds(t time.Time) bool {
	return t.After(w.Since.Truncate(time.Second)) && !t.After(w.Until.Truncate(time.Second))
}

// handOver gives a page's records to the sink with the cursor after it, and moves the
// cursor there once the sink accepted them.
func handOver(ctx context.Context, cur *ticketCursor, sink connectors.Sink, records []record.Record, lastID int64, newest time.Time) error {
	next := *cur.Window
	next.After = lastID
	if newest.After(next.Newest) {
		next.Newest = newest
	}
	if err := sink.Page(ctx, records, ticketCursor{Watermark: cur.Watermark, Window: &next}.encode()); err != nil {
		return fmt.Errorf("handing over records: %w", err)
	}
	*cur.Window = next
	return nil
}

// pullNotes reads the notes changed in the window and emits the permissions of the
// human ones, with their tickets read by id. A note whose ticket changed in the same
// window (adding a note moves the ticket's lastActivityDate) is left to the tickets
// phase, so a pull emits each permission once.
func (s *TicketsStream) pullNotes(ctx context.Context, cur *ticketCursor, what string, sink connectors.Sink) error {
	l := listing{entity: entityTicketNotes, filter: cur.Window.filter(), after: cur.Window.After, stream: s.Name(), what: entityTicketNotes + " " + what}
	return walk(ctx, s.c, l, func(rows []row[note], p pageInfo) error {
		var newest time.Time
		var found []row[note]
		var ticketIDs []int64
		for _, r := range rows {
			if t := r.item.LastActivityDate.Time; t.After(newest) {
				newest = t
			}
			if _, ok := s.c.notePermission(r.item); ok {
				found = append(found, r)
				ticketIDs = append(ticketIDs, r.item.TicketID)
			}
		}
		tickets, err := byIDs[ticket](ctx, s.c, entityTickets, "id", ticketIDs)
		if err != nil {
			return fmt.Errorf("looking up tickets: %w", err)
		}
		byID := make(map[int64]ticket, len(tickets))
		for _, t := range tickets {
			byID[t.item.ID] = t.item
		}
		var evs []evidence
		for _, r := range found {
			t, ok := byID[r.item.TicketID]
			if !ok {
				sink.Warn(fmt.Errorf("autotask: note %d belongs to ticket %d, which the API user cannot read; skipped", r.item.ID, r.item.TicketID))
				continue
			}
			if cur.Window.holds(t.LastActivityDate.Time) {
				continue // the tickets phase reads this ticket and emits its notes' permissions
			}
			evs = append(evs, s.c.noteEvidence(t, r))
		}
		records, err := s.c.authorisations(ctx, evs, sink)
		if err != nil {
			return err
		}
		return handOver(ctx, cur, sink, records, p.lastID, newest)
	})
}

// pullTickets reads the tickets changed in the window and emits the permissions they
// carry themselves and, again with the ticket as it is now (completed or not), those
// of their notes.
func (s *TicketsStream) pullTickets(ctx context.Context, cur *ticketCursor, what string, sink connectors.Sink) error {
	l := listing{entity: entityTickets, filter: cur.Window.filter(), after: cur.Window.After, stream: s.Name(), what: entityTickets + " " + what}
	return walk(ctx, s.c, l, func(rows []row[ticket], p pageInfo) error {
		var newest time.Time
		var evs []evidence
		byID := make(map[int64]ticket, len(rows))
		ids := make([]int64, 0, len(rows))
		for _, r := range rows {
			t := r.item
			if d := t.LastActivityDate.Time; d.After(newest) {
				newest = d
			}
			byID[t.ID] = t
			ids = append(ids, t.ID)
			if grantor, ok := s.c.ticketPermission(t); ok {
				evs = append(evs, evidence{ticket: t, raw: r.raw, grantor: grantor})
			}
		}
		notes, err := byIDs[note](ctx, s.c, entityTicketNotes, "ticketID", ids)
		if err != nil {
			return fmt.Errorf("looking up the tickets' notes: %w", err)
		}
		for _, r := range notes {
			if _, ok := s.c.notePermission(r.item); ok {
				evs = append(evs, s.c.noteEvidence(byID[r.item.TicketID], r))
			}
		}
		records, err := s.c.authorisations(ctx, evs, sink)
		if err != nil {
			return err
		}
		return handOver(ctx, cur, sink, records, p.lastID, newest)
	})
}

// noteEvidence is the permission a note records on ticket t.
func (c *Connector) noteEvidence(t ticket, r row[note]) evidence {
	n := r.item
	grantor, _ := c.notePermission(n)
	return evidence{ticket: t, note: &n, raw: r.raw, grantor: grantor}
}
