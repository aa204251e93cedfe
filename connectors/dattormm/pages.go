package dattormm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
)

// page is one page of a listing: its items and pageDetails.
type page struct {
	items []json.RawMessage
	next  string
	// err is the activity log's error member, set when the platform failed the page.
	err string
}

// decodePage reads a page whose items are under key.
func decodePage(body []byte, key string) (*page, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("decoding the page: %w", err)
	}
	p := &page{}
	if raw, ok := doc["error"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &p.err); err != nil || p.err == "" {
			p.err = excerpt(raw)
		}
	}
	var details struct {
		NextPageURL *string `json:"nextPageUrl"`
	}
	if raw, ok := doc["pageDetails"]; ok {
		if err := json.Unmarshal(raw, &details); err != nil {
			return nil, fmt.Errorf("decoding pageDetails: %w", err)
		}
	}
	if details.NextPageURL != nil {
		p.next = *details.NextPageURL
	}
	raw, ok := doc[key]
	if !ok {
		if p.err != "" {
			return p, nil
		}
		return nil, fmt.Errorf("the page has no %q member", key)
	}
	if string(raw) != "null" {
		if err := json.Unmarshal(raw, &p.items); err != nil {
			return nil, fmt.Errorf("decoding %s: %w", key, err)
		}
	}
	return p, nil
}

// nextPage returns the URL of the page after cur from pageDetails.nextPageUrl, or nil
// when raw is empty (the last page). It only follows a URL on cur's scheme, host and
// path, and adds back every query parameter of cur (but page) that the URL dropped:
// the platform's next-page links lose filters. Errors never show the URL's query.
func nextPage(cur *url.URL, raw string) (*url.URL, error) {
	if raw == "" {
		return nil, nil
	}
	ref, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("pageDetails.nextPageUrl is not a URL")
	}
	u := cur.ResolveReference(ref)
	if !strings.EqualFold(u.Scheme, cur.Scheme) || !strings.EqualFold(u.Host, cur.Host) {
		return nil, fmt.Errorf("pageDetails.nextPageUrl points to %s://%s, not to the configured host %s://%s; not followed",
			u.Scheme, u.Host, cur.Scheme, cur.Host)
	}
	if u.Path != cur.Path {
		return nil, fmt.Errorf("pageDetails.nextPageUrl points to path %s, not %s; not followed", u.Path, cur.Path)
	}
	q := u.Query()
	for k, vs := range cur.Query() {
		if _, ok := q[k]; !ok && k != "page" {
			q[k] = vs
		}
	}
	u.RawQuery = q.Encode()
	u.Fragment = ""
	return u, nil
}

// pageCursor resumes a standard listing at a page (0-based).
type pageCursor struct {
	Page int `json:"page"`
}

// listing is a standard listing (query parameters page and max) and how its items
// become records.
type listing struct {
	path, key, what string
	// record maps one item to a record, to a record.Quarantined when the item does
	// not decode, or to nil after warning through sink when the item is skipped; an
	// error stops the pull.
	record func(ctx context.Context, item json.RawMessage, sink connectors.Sink) (record.Record, error)
}

// pullListing reads l from the page in cursor from on and hands each page to sink with
// the cursor of the next page; the last page carries the empty cursor.
func (c *Connector) pullListing(ctx context.Context, from connectors.Cursor, sink connectors.Sink, l listing) (connectors.Cursor, error) {
	start := 0
	if from != "" {
		var cur pageCursor
		if err := json.Unmarshal([]byte(from), &cur); err != nil || cur.Page < 0 {
			sink.Warn(fmt.Errorf("dattormm: %s: unreadable cursor %q, restarting from the first page", l.what, excerpt([]byte(from))))
		} else {
			start = cur.Page
		}
	}
	q := url.Values{}
	q.Set("max", strconv.Itoa(c.pageSize))
	q.Set("page", strconv.Itoa(start))
	u := c.endpoint(l.path, q)
	pages := connectors.NewPager(Name, l.what, connectors.Account, c.cfg.MaxPages)
	for n := start; ; {
		// The page number is the key: a next link that names a page read before
		// (the page just read included), however spelled, ends the read.
		if err := pages.Next(strconv.Itoa(n)); err != nil {
			return "", err
		}
		fail := func(err error) error {
			return fmt.Errorf("dattormm: list %s page %d: GET %s: %w", l.what, n, l.path, err)
		}
		body, err := c.get(ctx, u)
		if err != nil {
			return "", fmt.Errorf("dattormm: list %s page %d: %w", l.what, n, err)
		}
		p, err := decodePage(body, l.key)
		if err != nil {
			return "", fail(err)
		}
		next, err := nextPage(u, p.next)
		if err != nil {
			return "", fail(err)
		}
		var cursor connectors.Cursor
		nextN := 0
		if next != nil {
			if nextN, err = strconv.Atoi(next.Query().Get("page")); err != nil || nextN < 0 {
				return "", fail(errors.New("pageDetails.nextPageUrl has no page number"))
			}
			b, _ := json.Marshal(pageCursor{Page: nextN})
			cursor = connectors.Cursor(b)
		}
		records := make([]record.Record, 0, len(p.items))
		for _, item := range p.items {
			r, err := l.record(ctx, item, sink)
			if err != nil {
				return "", fmt.Errorf("dattormm: list %s page %d: %w", l.what, n, err)
			}
			if q, ok := r.(*record.Quarantined); ok {
				q.Page = pageOf(u)
			}
			if r != nil {
				records = append(records, r)
			}
		}
		if err := sink.Page(ctx, records, cursor); err != nil {
			return "", fmt.Errorf("dattormm: %s page %d: handing over records: %w", l.what, n, err)
		}
		if next == nil {
			return "", nil
		}
		u, n = next, nextN
	}
}

// accountScopes is the scope of every stream: the whole account. The platform lists
// and logs account-wide, and one account-wide request budget would not stretch to a
// pull per site; records carry their site, so mapping assigns customers.
func accountScopes() []connectors.Scope { return []connectors.Scope{connectors.Account} }

// decimalID reads a numeric id (a JSON number, or a numeric string) as a decimal
// string; null or absent reads as "".
func decimalID(n json.Number) (string, error) {
	if n == "" {
		return "", nil
	}
	v, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		return "", fmt.Errorf("%q is not a numeric id", string(n))
	}
	return strconv.FormatInt(v, 10), nil
}
