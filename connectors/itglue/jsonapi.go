package itglue

// A small JSON:API layer: documents whose data is an array or one object, resources
// with string ids parsed to int64, included resources, and page walking on
// meta.next-page.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// resource is one JSON:API resource.
type resource struct {
	ID            int64
	Type          string
	Attributes    json.RawMessage
	Relationships map[string]relationship
	// Raw is the resource exactly as it came.
	Raw json.RawMessage
}

// relationship is a relationship's resource linkage. Present is false when the
// relationship has no data member (IT Glue then said nothing about the linkage).
type relationship struct {
	Data    []identifier
	Present bool
}

// identifier is a resource identifier object.
type identifier struct {
	ID   int64
	Type string
}

type wireResource struct {
	ID            json.RawMessage             `json:"id"`
	Type          string                      `json:"type"`
	Attributes    json.RawMessage             `json:"attributes"`
	Relationships map[string]wireRelationship `json:"relationships"`
}

type wireRelationship struct {
	Data json.RawMessage `json:"data"`
}

type wireIdentifier struct {
	ID   json.RawMessage `json:"id"`
	Type string          `json:"type"`
}

// document is a decoded JSON:API response.
type document struct {
	Data     []resource
	Included map[identifier]resource
	// NextPage is meta.next-page; 0 when this is the last page.
	NextPage int
}

// decodeDocument decodes a JSON:API document. wantType, when set, is the type every
// primary resource must have.
func decodeDocument(body []byte, wantType string) (*document, error) {
	var wire struct {
		Data     json.RawMessage   `json:"data"`
		Included []json.RawMessage `json:"included"`
		Meta     *struct {
			NextPage    json.RawMessage `json:"next-page"`
			CurrentPage json.RawMessage `json:"current-page"`
		} `json:"meta"`
		Links *struct {
			Next *string `json:"next"`
		} `json:"links"`
		Errors json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(body, &wire); err != nil {
		return nil, fmt.Errorf("decoding JSON:API document: %w", err)
	}
	if len(wire.Errors) > 0 && string(wire.Errors) != "null" {
		return nil, fmt.Errorf("document carries errors: %s", excerpt(wire.Errors))
	}
	doc := &document{Included: map[identifier]resource{}}
	data := bytes.TrimSpace(wire.Data)
	switch {
	case len(data) == 0 || string(data) == "null":
		return nil, errors.New("document has no data member")
	case data[0] == '[':
		var raws []json.RawMessage
		if err := json.Unmarshal(data, &raws); err != nil {
			return nil, fmt.Errorf("decoding data: %w", err)
		}
		for i, raw := range raws {
			r, err := decodeResource(raw)
			if err != nil {
				return nil, fmt.Errorf("data[%d]: %w", i, err)
			}
			doc.Data = append(doc.Data, r)
		}
	case data[0] == '{':
		r, err := decodeResource(data)
		if err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
		doc.Data = []resource{r}
	default:
		return nil, errors.New("data is neither an array nor an object")
	}
	if wantType != "" {
		for _, r := range doc.Data {
			if r.Type != wantType {
				return nil, fmt.Errorf("resource %s %d: want type %q", r.Type, r.ID, wantType)
			}
		}
	}
	for i, raw := range wire.Included {
		r, err := decodeResource(raw)
		if err != nil {
			return nil, fmt.Errorf("included[%d]: %w", i, err)
		}
		doc.Included[identifier{ID: r.ID, Type: r.Type}] = r
	}
	switch {
	case wire.Meta != nil && len(wire.Meta.NextPage) > 0:
		n, err := optionalInt(wire.Meta.NextPage)
		if err != nil {
			return nil, fmt.Errorf("meta.next-page: %w", err)
		}
		doc.NextPage = int(n)
	case wire.Links != nil && wire.Links.Next != nil && *wire.Links.Next != "":
		// No meta.next-page: fall back on the next link's page[number].
		u, err := url.Parse(*wire.Links.Next)
		if err != nil {
			return nil, fmt.Errorf("links.next: %w", err)
		}
		n, err := strconv.Atoi(u.Query().Get("page[number]"))
		if err != nil || n < 1 {
			return nil, errors.New("links.next has no page[number]")
		}
		doc.NextPage = n
	}
	return doc, nil
}

// decodeResource decodes one resource object and parses its string id.
func decodeResource(raw json.RawMessage) (resource, error) {
	var w wireResource
	if err := json.Unmarshal(raw, &w); err != nil {
		return resource{}, fmt.Errorf("decoding resource: %w", err)
	}
	id, err := parseID(w.ID)
	if err != nil {
		return resource{}, fmt.Errorf("resource of type %q: id: %w", w.Type, err)
	}
	if w.Type == "" {
		return resource{}, fmt.Errorf("resource %d has no type", id)
	}
	r := resource{ID: id, Type: w.Type, Attributes: w.Attributes, Raw: raw}
	for name, rel := range w.Relationships {
		d := bytes.TrimSpace(rel.Data)
		if len(d) == 0 {
			continue
		}
		if r.Relationships == nil {
			r.Relationships = map[string]relationship{}
		}
		out := relationship{Present: true}
		var ids []wireIdentifier
		switch d[0] {
		case '[':
			if err := json.Unmarshal(d, &ids); err != nil {
				return resource{}, fmt.Errorf("resource %s %d: relationships.%s: %w", w.Type, id, name, err)
			}
		case '{':
			var one wireIdentifier
			if err := json.Unmarshal(d, &one); err != nil {
				return resource{}, fmt.Errorf("resource %s %d: relationships.%s: %w", w.Type, id, name, err)
			}
			ids = []wireIdentifier{one}
		case 'n': // null: an empty to-one relationship
		default:
			return resource{}, fmt.Errorf("resource %s %d: relationships.%s: data is not a linkage", w.Type, id, name)
		}
		for _, x := range ids {
			xid, err := parseID(x.ID)
			if err != nil {
				return resource{}, fmt.Errorf("resource %s %d: relationships.%s: id: %w", w.Type, id, name, err)
			}
			out.Data = append(out.Data, identifier{ID: xid, Type: x.Type})
		}
		r.Relationships[name] = out
	}
	return r, nil
}

// parseID reads a JSON:API id: a string of digits. IT Glue ids can be long, so they
// are int64.
func parseID(raw json.RawMessage) (int64, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, fmt.Errorf("want a string, got %s", excerpt(raw))
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a numeric id", s)
	}
	return n, nil
}

// optionalInt reads a JSON number or null (0).
func optionalInt(raw json.RawMessage) (int64, error) {
	var n *int64
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, fmt.Errorf("want a number or null, got %s", excerpt(raw))
	}
	if n == nil {
		return 0, nil
	}
	return *n, nil
}

// decodeAttributes decodes a resource's attributes into dst, a struct with
// kebab-case json tags.
func decodeAttributes(r resource, dst any) error {
	if len(r.Attributes) == 0 || string(r.Attributes) == "null" {
		return fmt.Errorf("resource %s %d has no attributes", r.Type, r.ID)
	}
	if err := json.Unmarshal(r.Attributes, dst); err != nil {
		return fmt.Errorf("resource %s %d: attributes: %w", r.Type, r.ID, err)
	}
	return nil
}

// refID is a foreign key inside attributes: IT Glue sends a JSON number; a numeric
// string or null is accepted too.
type refID int64

// UnmarshalJSON implements json.Unmarshaler.
func (id *refID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*id = 0
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(s)
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("%s is not an id", excerpt(b))
	}
	*id = refID(n)
	return nil
}

// timestamp is an IT Glue time: RFC 3339 with or without fractional seconds, or a
// date (YYYY-MM-DD); null leaves it unset.
type timestamp struct {
	Time time.Time
	Set  bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *timestamp) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		*t = timestamp{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a timestamp string, got %s", excerpt(b))
	}
	s = strings.TrimSpace(s)
	if s == "" {
		*t = timestamp{}
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if v, err := time.Parse(layout, s); err == nil {
			*t = timestamp{Time: v.UTC(), Set: true}
			return nil
		}
	}
	return fmt.Errorf("%q is not a timestamp", s)
}

// ptr returns the time or nil when unset.
func (t timestamp) ptr() *time.Time {
	if !t.Set {
		return nil
	}
	v := t.Time
	return &v
}

// excerpt shortens a payload for an error message.
func excerpt(b []byte) string {
	const maxLen = 120
	if len(b) > maxLen {
		return string(b[:maxLen]) + "…"
	}
	return string(b)
}

// walk requests path with query q from page start on, page by page, until
// meta.next-page is null, and hands every decoded page to fn with its number. what
// names the listing in errors, e.g. "configurations for organization 2519664".
func (c *Connector) walk(ctx context.Context, path string, q url.Values, start int, wantType, what string,
	fn func(doc *document, page int) error,
) error {
	page := max(start, 1)
	for {
		q.Set("page[number]", strconv.Itoa(page))
		body, err := c.get(ctx, path, q)
		if err != nil {
			return fmt.Errorf("itglue: list %s page %d: %w", what, page, err)
		}
		doc, err := decodeDocument(body, wantType)
		if err != nil {
			return fmt.Errorf("itglue: list %s page %d: %w", what, page, err)
		}
		if doc.NextPage != 0 && doc.NextPage <= page {
			return fmt.Errorf("itglue: list %s page %d: meta.next-page %d does not advance", what, page, doc.NextPage)
		}
		if err := fn(doc, page); err != nil {
			return err
		}
		if doc.NextPage == 0 {
			return nil
		}
		page = doc.NextPage
	}
}
