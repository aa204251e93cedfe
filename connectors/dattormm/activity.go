package dattormm

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
)

// activityPath is the activity log.
const activityPath = "/api/v2/activity-logs"

// queryTime is the layout of the activity log's from and until parameters.
const queryTime = "2006-01-02T15:04:05Z"

// ActivityStream reads the activity log incrementally and emits the remote sessions
// and jobs on devices it records as access events.
type ActivityStream struct {
	c *Connector
}

// Name implements connectors.Stream.
func (s *ActivityStream) Name() string { return "activity" }

// Mode implements connectors.Stream.
func (s *ActivityStream) Mode() connectors.Mode { return connectors.Incremental }

// Needs implements connectors.Stream.
func (s *ActivityStream) Needs() []string { return needs() }

// Scopes implements connectors.Stream: the whole account.
func (s *ActivityStream) Scopes(context.Context) ([]connectors.Scope, error) {
	return accountScopes(), nil
}

// activityCursor is the activity stream's position: the date of the newest activity
// handed over. A pull reads from Newest − overlap, so a pull that failed half-way
// resumes with no gap, and activity logged late within the overlap is not missed.
type activityCursor struct {
	Newest time.Time `json:"newest"`
}

func (c activityCursor) encode() connectors.Cursor {
	if c.Newest.IsZero() {
		return ""
	}
	b, _ := json.Marshal(c)
	return connectors.Cursor(b)
}

// Pull implements connectors.Stream. It reads the window from the cursor's date minus
// the overlap (the first time: now minus the lookback) until now, oldest first, one
// sink page per API page, following pageDetails.nextPageUrl to the end. Each page's
// cursor is the newest activity date so far; the last one's is the newest date of the
// window, or its end when the window was empty. Each page covers the window up to
// its cursor's date, the last one the whole window.
func (s *ActivityStream) Pull(ctx context.Context, _ connectors.Scope, from connectors.Cursor, sink connectors.Sink) (connectors.Cursor, error) {
	c := s.c
	until := c.now().UTC().Truncate(time.Second)
	var cur activityCursor
	if from != "" {
		if err := json.Unmarshal([]byte(from), &cur); err != nil || cur.Newest.IsZero() {
			sink.Warn(fmt.Errorf("dattormm: activity: unreadable cursor %q, reading the lookback again", excerpt([]byte(from))))
			cur = activityCursor{}
		}
	}
	start := until.Add(-c.cfg.Lookback.Std())
	if !cur.Newest.IsZero() {
		start = cur.Newest.Add(-c.cfg.Overlap.Std())
	}
	if start.After(until) {
		start = until.Add(-c.cfg.Overlap.Std())
	}
	start = start.Truncate(time.Second)
	q := url.Values{}
	// from must always be sent: without it the platform reads the last 15 minutes.
	q.Set("from", start.Format(queryTime))
	q.Set("until", until.Format(queryTime))
	q.Set("order", "asc")
	q.Set("size", strconv.Itoa(c.pageSize))
	q.Set("entities", "device,user")
	u := c.endpoint(activityPath, q)
	what := fmt.Sprintf("activity logs from %s until %s", start.Format(queryTime), until.Format(queryTime))
	seen := false
	pages := connectors.NewPager(Name, s.Name(), connectors.Account, c.cfg.MaxPages)
	for n := 1; ; n++ {
		if err := pages.Next(u.String()); err != nil {
			return cur.encode(), err
		}
		records, newest, next, err := c.activityPage(ctx, u, sink)
		if err != nil {
			return cur.encode(), fmt.Errorf("dattormm: list %s page %d: %w", what, n, err)
		}
		if newest.After(cur.Newest) {
			cur.Newest = newest
		}
		seen = seen || !newest.IsZero()
		if next == nil && !seen {
			cur.Newest = until
		}
		if err := sink.Page(ctx, records, cur.encode()); err != nil {
			return cur.encode(), fmt.Errorf("dattormm: %s page %d: handing over records: %w", what, n, err)
		}
		if next == nil {
			sink.Covered(start, until)
			return cur.encode(), nil
		}
		if cur.Newest.After(start) {
			// Oldest first: everything up to the newest date so far is handed over,
			// and the next pull resumes from it.
			sink.Covered(start, cur.Newest)
		}
		u = next
	}
}

// activityPage reads one page of the activity log: its access events, the newest
// activity date on it, and the next page's URL (nil after the last page).
func (c *Connector) activityPage(ctx context.Context, u *url.URL, sink connectors.Sink) ([]record.Record, time.Time, *url.URL, error) {
	var newest time.Time
	body, err := c.get(ctx, u)
	if err != nil {
		return nil, newest, nil, err
	}
	p, err := decodePage(body, "activities")
	if err != nil {
		return nil, newest, nil, fmt.Errorf("GET %s: %w", activityPath, err)
	}
	if p.err != "" {
		return nil, newest, nil, fmt.Errorf("GET %s: the platform failed the page: %s", activityPath, p.err)
	}
	next, err := nextPage(u, p.next)
	if err != nil {
		return nil, newest, nil, fmt.Errorf("GET %s: %w", activityPath, err)
	}
	if len(p.items) == 0 {
		// An empty page has no last activity to continue after.
		next = nil
	}
	records := make([]record.Record, 0, len(p.items))
	for _, item := range p.items {
		a, err := decodeActivity(item)
		if err != nil {
			q := quarantine(record.QuarantinedAccessEvent, "id", nameID, item, err)
			q.Page = pageOf(u)
			records = append(records, q)
			continue
		}
		if a.Date.t.After(newest) {
			newest = a.Date.t
		}
		if e := c.accessEvent(a, item, sink); e != nil {
			records = append(records, e)
		}
	}
	return records, newest, next, nil
}
