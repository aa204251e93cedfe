package m365

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	absser "github.com/microsoft/kiota-abstractions-go/serialization"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
)

// window is the time range of one incremental pull: from the cursor less the
// overlap (or the lookback on a first pull) to now.
type window struct {
	start, end time.Time
	from       connectors.Cursor
}

func (c *Connector) window(from connectors.Cursor) (window, error) {
	end := c.now().UTC().Truncate(time.Second)
	w := window{start: end.Add(-c.cfg.Lookback.Std()), end: end, from: from}
	if from != "" {
		t, err := time.Parse(time.RFC3339, string(from))
		if err != nil {
			return w, fmt.Errorf("m365: cursor %q is not a time: %w", from, err)
		}
		w.start = t.Add(-c.cfg.Overlap.Std())
	}
	return w, nil
}

// filter is an OData $filter on field within the window, with ge and le (the
// operators the audit log APIs document).
func (w window) filter(field string) string {
	return fmt.Sprintf("%s ge %s and %s le %s", field, w.start.Format(time.RFC3339), field, w.end.Format(time.RFC3339))
}

// query encodes OData query options, with %20 for spaces and $ kept readable.
func query(opts ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(opts); i += 2 {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(opts[i] + "=" + strings.ReplaceAll(url.QueryEscape(opts[i+1]), "+", "%20"))
	}
	return b.String()
}

// pager returns the guard of one paged read of stream for scope.
func (c *Connector) pager(stream string, scope connectors.Scope) *connectors.Pager {
	return connectors.NewPager(Name, stream, scope, c.cfg.MaxPages)
}

// fetchFunc reads one page at link: its records and the next link.
type fetchFunc func(ctx context.Context, link string) ([]record.Record, string, error)

// pullWindow follows the pages from link. The APIs list newest first, so the
// window's end becomes the cursor only with the last page; until then each page
// carries the cursor the pull started from, and a failing page leaves it there.
// For the same reason the window is covered only once its last page is handed
// over: a pull that fails on a page covers nothing.
func pullWindow(ctx context.Context, w window, link, what string, pages *connectors.Pager, fetch fetchFunc, sink connectors.Sink) (connectors.Cursor, error) {
	done := connectors.Cursor(w.end.Format(time.RFC3339))
	for n := 1; link != ""; n++ {
		if err := pages.Next(link); err != nil {
			return w.from, err
		}
		recs, next, err := fetch(ctx, link)
		if err != nil {
			return w.from, fmt.Errorf("m365: %s page %d: %w", what, n, err)
		}
		cursor := w.from
		if next == "" {
			cursor = done
		}
		if err := sink.Page(ctx, recs, cursor); err != nil {
			return w.from, err
		}
		link = next
	}
	sink.Covered(w.start, w.end)
	return done, nil
}

// logPage is one page of a tenant's log as the SDK parses it.
type logPage[V any] interface {
	absser.Parsable
	GetValue() []V
	GetOdataNextLink() *string
}

// tenantLog says where a tenant's log is read and how its items become access
// events.
type tenantLog[V any] struct {
	// stream names the stream in paging errors; what names the read in errors,
	// e.g. "list sign-ins".
	stream, what string
	// url is the first page's address for the window, with at most top items a page.
	url     func(g *graphClient, w window, top int) string
	factory absser.ParsableFactory
	// event returns an item's access event, nil for an item that is not the partner's.
	event func(tenant string, v V) *record.AccessEvent
}

// pullTenantLog reads one tenant's log in the cursor's window, page by page.
func pullTenantLog[P logPage[V], V any](ctx context.Context, c *Connector, scope connectors.Scope, from connectors.Cursor,
	sink connectors.Sink, l tenantLog[V]) (connectors.Cursor, error) {
	w, err := c.window(from)
	if err != nil {
		return from, err
	}
	g, err := c.client(scope.ID)
	if err != nil {
		return from, err
	}
	fetch := func(ctx context.Context, link string) ([]record.Record, string, error) {
		res, err := g.get(ctx, link, l.factory)
		if err != nil {
			return nil, "", err
		}
		page, ok := res.(P)
		if !ok {
			return nil, "", fmt.Errorf("unexpected page type %T", res)
		}
		var recs []record.Record
		for _, v := range page.GetValue() {
			if ev := l.event(scope.ID, v); ev != nil {
				recs = append(recs, ev)
			}
		}
		return recs, nextLink(page), nil
	}
	return pullWindow(ctx, w, l.url(g, w, maxReportsPage), l.what+" for tenant "+scope.ID, c.pager(l.stream, scope), fetch, sink)
}

// maxReportsPage is the largest page the identity reports answer ($top ≤ 1000).
const maxReportsPage = 1000

// probeWindow is the stretch of a tenant's log a probe asks for.
const probeWindow = time.Hour

// probeTenantLog reads one item of the tenant's log from the last hour, with the
// client and the address its pull uses, so that it meets the same consent,
// permission and licence.
func probeTenantLog[V any](ctx context.Context, c *Connector, scope connectors.Scope, l tenantLog[V]) error {
	end := c.now().UTC().Truncate(time.Second)
	w := window{start: end.Add(-probeWindow), end: end}
	g, err := c.client(scope.ID)
	if err == nil {
		_, err = g.get(ctx, l.url(g, w, 1), l.factory)
	}
	if err != nil {
		return fmt.Errorf("m365: probe %s for %s: %w", l.what, scope.ID, err)
	}
	return nil
}
