package o365audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/custos-msp/custos/connectors"
)

// windowLayout is the layout of startTime and endTime: UTC, to the second, no zone.
const windowLayout = "2006-01-02T15:04:05"

// blobRef is one item of a content listing.
type blobRef struct {
	ContentType    string `json:"contentType"`
	ContentID      string `json:"contentId"`
	ContentURI     string `json:"contentUri"`
	ContentCreated string `json:"contentCreated"`
}

// created parses contentCreated; a blob whose time cannot be read counts as created
// at the window's end, the latest it can be.
func (b blobRef) created(fallback time.Time) time.Time {
	for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z", windowLayout} {
		if t, err := time.Parse(l, b.ContentCreated); err == nil {
			return t.UTC()
		}
	}
	return fallback
}

// listContent lists the blobs of contentType that the tenant published in
// [start, end), following NextPageUri (or NextPageUrl) to the last page, and calls
// each for every blob in order. A next page named before, or one past max_pages,
// ends the listing with a *connectors.PagingError. A listing the service no longer
// knows a subscription for (AF20022) starts the subscription again and lists once more.
func (c *Connector) listContent(ctx context.Context, tenant, contentType string, start, end time.Time, each func(blobRef) error) error {
	q := url.Values{}
	q.Set("contentType", contentType)
	q.Set("startTime", start.UTC().Format(windowLayout))
	q.Set("endTime", end.UTC().Format(windowLayout))
	u := c.feedURL(tenant, "subscriptions/content", q)
	newPager := func() *connectors.Pager {
		return connectors.NewPager(Name, streamName(contentType), connectors.Scope{ID: tenant}, c.cfg.MaxPages)
	}
	pages := newPager()
	restarted := false
	for {
		if err := pages.Next(u.String()); err != nil {
			return err
		}
		n := pages.Page()
		body, header, err := c.call(ctx, tenant, http.MethodGet, u)
		if errors.Is(err, errNoSubscription) && !restarted && n == 1 {
			restarted = true
			c.markSubscribed(subKey(tenant, contentType), false)
			if err := c.startSubscription(ctx, tenant, contentType); err != nil {
				return err
			}
			pages = newPager()
			continue
		}
		if err != nil {
			return fmt.Errorf("listing %s page %d: %w", contentType, n, err)
		}
		var refs []blobRef
		if err := json.Unmarshal(body, &refs); err != nil {
			return fmt.Errorf("listing %s page %d: decoding the answer: %w", contentType, n, err)
		}
		for _, r := range refs {
			if err := each(r); err != nil {
				return err
			}
		}
		next := nextPage(header)
		if next == "" {
			return nil
		}
		if u, err = url.Parse(next); err != nil {
			return fmt.Errorf("listing %s page %d: NextPageUri is not a URL", contentType, n)
		}
	}
}

// nextPage returns the next page's URL from the NextPageUri header (or NextPageUrl,
// as one Microsoft page spells it), or "".
func nextPage(h http.Header) string {
	if v := h.Get("NextPageUri"); v != "" {
		return v
	}
	return h.Get("NextPageUrl")
}

// fetchBlob reads one blob: a JSON array of audit records.
func (c *Connector) fetchBlob(ctx context.Context, tenant string, ref blobRef) ([]json.RawMessage, error) {
	u, err := url.Parse(ref.ContentURI)
	if err != nil || ref.ContentURI == "" {
		return nil, fmt.Errorf("blob %s has no usable contentUri", ref.ContentID)
	}
	body, _, err := c.call(ctx, tenant, http.MethodGet, u)
	if err != nil {
		return nil, fmt.Errorf("reading blob %s: %w", ref.ContentID, err)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(body, &items); err != nil {
		return nil, fmt.Errorf("reading blob %s: decoding the records: %w", ref.ContentID, err)
	}
	return items, nil
}
