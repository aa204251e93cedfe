package o365audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
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

// maxListPages bounds the pages of one window's listing, against a service that
// keeps naming another page.
const maxListPages = 10000

// listContent lists the blobs of contentType that the tenant published in
// [start, end), following NextPageUri (or NextPageUrl) to the last page, and calls
// each for every blob in order. A listing the service no longer knows a subscription
// for (AF20022) starts the subscription again and lists once more.
func (c *Connector) listContent(ctx context.Context, tenant, contentType string, start, end time.Time, each func(blobRef) error) error {
	q := url.Values{}
	q.Set("contentType", contentType)
	q.Set("startTime", start.UTC().Format(windowLayout))
	q.Set("endTime", end.UTC().Format(windowLayout))
	u := c.feedURL(tenant, "subscriptions/content", q)
	restarted := false
	for n := 1; ; n++ {
		if n > maxListPages {
			return fmt.Errorf("listing %s: more than %d pages; stopped", contentType, maxListPages)
		}
		body, header, err := c.call(ctx, tenant, http.MethodGet, u)
		if errors.Is(err, errNoSubscription) && !restarted && n == 1 {
			restarted = true
			c.markSubscribed(subKey(tenant, contentType), false)
			if err := c.startSubscription(ctx, tenant, contentType); err != nil {
				return err
			}
			n--
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
		nu, err := url.Parse(next)
		if err != nil || nu.String() == u.String() {
			return fmt.Errorf("listing %s page %d: NextPageUri is not a URL to another page", contentType, n)
		}
		u = nu
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
