package screenconnect

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/connectors"
)

// reportSource reads ScreenConnect through GET /Report.json with HTTP Basic.
type reportSource struct {
	client    *connectors.Client
	baseURL   string
	header    http.Header
	itemLimit int
	// maxPages bounds the reports one read requests, its halves included.
	maxPages int
	now      func() time.Time
	log      zerolog.Logger
}

var _ source = (*reportSource)(nil)

// sessionEpoch is earlier than any ScreenConnect session: windows over every
// session start there.
var sessionEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// report is one Report.json query without its time window.
type report struct {
	typ     string
	groups  []string
	selects []string
	filter  string
	// timeField is the field a window filters on and truncation splits.
	timeField string
}

// get sends one GET and returns the body of a 2xx response.
func (s *reportSource) get(ctx context.Context, path string, q url.Values) ([]byte, error) {
	u := s.baseURL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	body, _, err := s.client.Do(ctx, connectors.Request{Method: http.MethodGet, URL: u, Header: s.header})
	return body, err
}

// fetch requests the report, limited to w when w is set, and decodes it.
func (s *reportSource) fetch(ctx context.Context, r report, w *window, limit int) (*table, error) {
	q := url.Values{}
	q.Set("ReportType", r.typ)
	q["GroupFields"] = r.groups
	q["SelectFields"] = r.selects
	filter := r.filter
	if w != nil {
		filter = within(r.timeField, *w)
		if r.filter != "" {
			filter = and(r.filter, filter)
		}
	}
	if filter != "" {
		q.Set("Filter", filter)
	}
	q.Set("ItemLimit", strconv.Itoa(limit))
	body, err := s.get(ctx, "/Report.json", q)
	if err != nil {
		return nil, err
	}
	return decodeTable(body, append(append([]string(nil), r.groups...), r.selects...))
}

// read reads the report over w for q's stream and hands fn one table per window,
// oldest first, with the window it holds in full. A report that returns item_limit
// rows may have been cut short, so its window is read again in halves; each report
// requested counts as a page against max_pages, so a server that ignores the
// filter ends the read with a *connectors.PagingError instead of halving down to
// every second of the window.
func (s *reportSource) read(ctx context.Context, q query, r report, w window, fn func(*table, window) error) error {
	pages := connectors.NewPager(Name, q.stream, connectors.Account, s.maxPages)
	return s.readHalves(ctx, pages, r, w, fn)
}

// readHalves is read with its pager.
func (s *reportSource) readHalves(ctx context.Context, pages *connectors.Pager, r report, w window, fn func(*table, window) error) error {
	if err := pages.Next(r.typ + " " + w.String()); err != nil {
		return err
	}
	t, err := s.fetch(ctx, r, &w, s.itemLimit)
	if err != nil {
		return fmt.Errorf("screenconnect: %s report for %s: %w", r.typ, w, err)
	}
	if len(t.items) < s.itemLimit {
		return fn(t, w)
	}
	from := w.from.Truncate(time.Second)
	mid := from.Add(w.to.Sub(from) / 2).Truncate(time.Second)
	if !mid.After(from) || !w.to.After(mid) {
		return fmt.Errorf("screenconnect: %s report for %s: %d rows or more within a second; raise item_limit", r.typ, w, s.itemLimit)
	}
	s.log.Debug().Str("report", r.typ).Stringer("window", w).Int("item_limit", s.itemLimit).
		Msg("report returned item_limit rows; reading its window again in halves")
	if err := s.readHalves(ctx, pages, r, window{w.from, mid}, fn); err != nil {
		return err
	}
	return s.readHalves(ctx, pages, r, window{mid, w.to}, fn)
}

// check implements source: the first session, if any.
func (s *reportSource) check(ctx context.Context) error {
	if _, err := s.fetch(ctx, report{typ: "Session", selects: []string{"SessionID"}}, nil, 1); err != nil {
		return fmt.Errorf("screenconnect: Session report: %w", err)
	}
	return nil
}

// eventTypes implements source: SC.types.SessionEventType of /Script.ashx.
func (s *reportSource) eventTypes(ctx context.Context) (*eventTypes, error) {
	body, err := s.get(ctx, "/Script.ashx", nil)
	if err != nil {
		return nil, err
	}
	return parseScriptEventTypes(body)
}

// sessionFields are the Session report fields the sessions stream reads, but the
// custom properties.
var sessionFields = []string{
	"SessionID", "SessionType", "Name", "Host", "IsEnded", "CreatedTime",
	"GuestMachineName", "GuestMachineDomain", "GuestMachineSerialNumber",
	"GuestOperatingSystemName", "GuestInfoUpdateTime",
}

// customProperties are CustomProperty1 to CustomProperty8.
func customProperties() []string {
	out := make([]string, 8)
	for i := range out {
		out[i] = "CustomProperty" + strconv.Itoa(i+1)
	}
	return out
}

// sessions implements source: the Session report, then three grouped reports for
// the agent's life.
func (s *reportSource) sessions(ctx context.Context, q query) ([]sessionRow, error) {
	all := window{sessionEpoch, s.now()}
	var out []sessionRow
	seen := map[string]bool{}
	rep := report{
		typ: "Session", selects: append(append([]string(nil), sessionFields...), customProperties()...),
		filter: anyOf("SessionType", q.sessionTypes), timeField: "CreatedTime",
	}
	err := s.read(ctx, q, rep, all, func(t *table, _ window) error {
		for _, r := range t.rows() {
			row, err := sessionOf(r, q.company)
			if err != nil {
				return fmt.Errorf("screenconnect: Session report: session %s: %w", r.str("SessionID"), err)
			}
			if !seen[row.ID] {
				seen[row.ID] = true
				out = append(out, row)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*sessionRow, len(out))
	for i := range out {
		byID[out[i].ID] = &out[i]
	}
	for _, g := range lifeReports {
		err := s.read(ctx, q, g.rep, all, func(t *table, _ window) error {
			for _, r := range t.rows() {
				row := byID[r.str("SessionID")]
				if row == nil {
					continue
				}
				for i, f := range g.rep.selects {
					v, err := r.time(f)
					if err != nil {
						return fmt.Errorf("screenconnect: grouped %s report: session %s: %w", g.rep.typ, row.ID, err)
					}
					latest(g.into[i](row), v)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// lifeReports are the grouped reports that complete each agent's life: one row per
// session, each selected aggregate merged into a sessionRow field.
var lifeReports = []struct {
	rep  report
	into []func(*sessionRow) **time.Time
}{
	{
		report{typ: "SessionConnection", groups: []string{"SessionID"}, selects: []string{"LastDisconnectedTime"},
			filter: equals("ProcessType", "Host"), timeField: "ConnectedTime"},
		[]func(*sessionRow) **time.Time{func(r *sessionRow) **time.Time { return &r.LastHostDisconnect }},
	},
	{
		report{typ: "SessionConnection", groups: []string{"SessionID"}, selects: []string{"LastConnectedTime", "LastDisconnectedTime"},
			filter: equals("ProcessType", "Guest"), timeField: "ConnectedTime"},
		[]func(*sessionRow) **time.Time{
			func(r *sessionRow) **time.Time { return &r.LastGuestConnection },
			func(r *sessionRow) **time.Time { return &r.LastGuestConnection },
		},
	},
	{
		report{typ: "SessionEvent", groups: []string{"SessionID"}, selects: []string{"LastTime"},
			filter: equals("EventType", "ProcessedUninstall"), timeField: "Time"},
		[]func(*sessionRow) **time.Time{func(r *sessionRow) **time.Time { return &r.Uninstalled }},
	},
}

// latest sets *dst to v when v is later.
func latest(dst **time.Time, v *time.Time) {
	if v != nil && (*dst == nil || v.After(**dst)) {
		*dst = v
	}
}

// sessionOf reads a Session report row.
func sessionOf(r row, company int) (sessionRow, error) {
	ended, err := r.boolean("IsEnded")
	if err != nil {
		return sessionRow{}, err
	}
	created, err := r.time("CreatedTime")
	if err != nil {
		return sessionRow{}, err
	}
	info, err := r.time("GuestInfoUpdateTime")
	if err != nil {
		return sessionRow{}, err
	}
	return sessionRow{
		ID: r.str("SessionID"), Type: r.enum("SessionType", sessionTypeNames),
		Name: r.str("Name"), Host: r.str("Host"), Ended: ended, Created: created,
		Company:     r.str("CustomProperty" + strconv.Itoa(company)),
		MachineName: r.str("GuestMachineName"), Domain: r.str("GuestMachineDomain"),
		Serial: r.str("GuestMachineSerialNumber"), OS: r.str("GuestOperatingSystemName"),
		InfoUpdated: info, Raw: r.raw(),
	}, nil
}

// sessionParent are the parent session's fields a connection or event row carries.
func sessionParent(company int) []string {
	return []string{"SessionSessionType", "SessionCustomProperty" + strconv.Itoa(company), "SessionGuestMachineName"}
}

// connections implements source with the SessionConnection report.
func (s *reportSource) connections(ctx context.Context, q query, w window, batch func([]connectionRow, time.Time) error) error {
	rep := report{
		typ: "SessionConnection",
		selects: append([]string{"ConnectionID", "SessionID", "ParticipantName", "NetworkAddress",
			"ConnectedTime", "DisconnectedTime"}, sessionParent(q.company)...),
		filter:    and(equals("ProcessType", "Host"), anyOf("SessionSessionType", q.sessionTypes)),
		timeField: "ConnectedTime",
	}
	return s.read(ctx, q, rep, w, func(t *table, done window) error {
		rows := make([]connectionRow, 0, len(t.items))
		for _, r := range t.rows() {
			c, err := connectionOf(r, q.company)
			if err != nil {
				return fmt.Errorf("screenconnect: SessionConnection report for %s: connection %s: %w", w, r.str("ConnectionID"), err)
			}
			rows = append(rows, c)
		}
		return batch(rows, done.to)
	})
}

// connectionOf reads a SessionConnection report row.
func connectionOf(r row, company int) (connectionRow, error) {
	connected, err := r.time("ConnectedTime")
	if err != nil {
		return connectionRow{}, err
	}
	if connected == nil {
		return connectionRow{}, fmt.Errorf("ConnectedTime is empty")
	}
	disconnected, err := r.time("DisconnectedTime")
	if err != nil {
		return connectionRow{}, err
	}
	return connectionRow{
		ID: r.str("ConnectionID"), SessionID: r.str("SessionID"),
		SessionType: r.enum("SessionSessionType", sessionTypeNames),
		Participant: r.str("ParticipantName"), Address: r.str("NetworkAddress"),
		Company:     r.str("SessionCustomProperty" + strconv.Itoa(company)),
		MachineName: r.str("SessionGuestMachineName"),
		Connected:   *connected, Disconnected: disconnected, Raw: r.raw(),
	}, nil
}

// events implements source with the SessionEvent report, or the
// SessionConnectionEvent report of Host connections.
func (s *reportSource) events(ctx context.Context, q query, lvl level, w window, batch func([]eventRow, time.Time) error) error {
	rep := report{
		typ:       "SessionEvent",
		selects:   append([]string{"EventID", "SessionID", "EventType", "Time", "Host", "Data"}, sessionParent(q.company)...),
		filter:    and(anyOf("EventType", q.eventNames), anyOf("SessionSessionType", q.sessionTypes)),
		timeField: "Time",
	}
	actor := "Host"
	if lvl == connectionLevel {
		actor = "SessionConnectionParticipantName"
		rep.typ = "SessionConnectionEvent"
		rep.selects = append([]string{"EventID", "SessionID", "ConnectionID", "EventType", "Time", "Data", actor},
			sessionParent(q.company)...)
		rep.filter = and(equals("SessionConnectionProcessType", "Host"), rep.filter)
	}
	return s.read(ctx, q, rep, w, func(t *table, done window) error {
		rows := make([]eventRow, 0, len(t.items))
		for _, r := range t.rows() {
			e, err := eventOf(r, q, actor)
			if err != nil {
				return fmt.Errorf("screenconnect: %s report for %s: event %s: %w", rep.typ, w, r.str("EventID"), err)
			}
			rows = append(rows, e)
		}
		return batch(rows, done.to)
	})
}

// eventOf reads a SessionEvent or SessionConnectionEvent report row.
func eventOf(r row, q query, actor string) (eventRow, error) {
	at, err := r.time("Time")
	if err != nil {
		return eventRow{}, err
	}
	if at == nil {
		return eventRow{}, fmt.Errorf("Time is empty")
	}
	typ, err := q.events.resolve(r.value("EventType"))
	if err != nil {
		return eventRow{}, err
	}
	var connID string
	if _, ok := r.t.index["ConnectionID"]; ok {
		connID = r.str("ConnectionID")
	}
	return eventRow{
		ID: r.str("EventID"), SessionID: r.str("SessionID"), ConnectionID: connID,
		Type: typ, Time: *at, Actor: r.str(actor), Data: r.str("Data"),
		Company:     r.str("SessionCustomProperty" + strconv.Itoa(q.company)),
		MachineName: r.str("SessionGuestMachineName"),
		SessionType: r.enum("SessionSessionType", sessionTypeNames),
		Raw:         r.raw(),
	}, nil
}
