package itglue

// A small JSON:API layer: documents whose data is an array or one object, resources
// with string ids parsed to int64 and attributes decoded into a typed struct,
// included resources, and page walking on meta.next-page.
//
// A page of 1000 configurations is a few megabytes, so a document is read as a
// stream: each resource is scanned once to find its end and decoded once, straight
// into its typed attributes, and its raw bytes are a slice of the body. Only when a
// resource fails to decode is it decoded again member by member, to say which member
// is wrong.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
)

// resource is one JSON:API resource whose attributes decode into A.
type resource[A any] struct {
	ID            int64
	Type          string
	Relationships map[string]relationship
	// Raw is the resource exactly as it came, a slice of the response body.
	Raw   json.RawMessage
	attrs *A
}

// attributes returns the resource's attributes; a resource without any (absent or
// null) is an error.
func (r resource[A]) attributes() (*A, error) {
	if r.attrs == nil {
		return nil, fmt.Errorf("resource %s %d has no attributes", r.Type, r.ID)
	}
	return r.attrs, nil
}

// none is the attributes type of resources whose attributes are not read.
type none struct{}

// relationship is a relationship object; only its resource linkage is read.
type relationship struct {
	Data linkage `json:"data"`
}

// linkage is a relationship's resource linkage. Present is false when the
// relationship has no data member (IT Glue then said nothing about the linkage).
type linkage struct {
	IDs     []identifier
	Present bool
}

// UnmarshalJSON implements json.Unmarshaler: an array of resource identifiers, one,
// or null (an empty to-one relationship).
func (l *linkage) UnmarshalJSON(b []byte) error {
	*l = linkage{Present: true}
	var ids []wireIdentifier
	switch b[0] {
	case '[':
		if err := json.Unmarshal(b, &ids); err != nil {
			return err
		}
	case '{':
		var one wireIdentifier
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		ids = []wireIdentifier{one}
	case 'n':
		return nil
	default:
		return errors.New("data is not a linkage")
	}
	l.IDs = make([]identifier, len(ids))
	for i, x := range ids {
		l.IDs[i] = identifier{ID: int64(x.ID), Type: x.Type}
	}
	return nil
}

// identifier is a resource identifier object.
type identifier struct {
	ID   int64
	Type string
}

type wireIdentifier struct {
	ID   resourceID `json:"id"`
	Type string     `json:"type"`
}

// resourceID is a JSON:API id: a string of digits. IT Glue ids can be long, so they
// are int64.
type resourceID int64

// UnmarshalJSON implements json.Unmarshaler.
func (id *resourceID) UnmarshalJSON(b []byte) error {
	n, err := parseID(b)
	if err != nil {
		return fmt.Errorf("id: %w", err)
	}
	*id = resourceID(n)
	return nil
}

// wireResource is a resource object as it is decoded in one pass.
type wireResource[A any] struct {
	ID            resourceID              `json:"id"`
	Type          string                  `json:"type"`
	Attributes    *A                      `json:"attributes"`
	Relationships map[string]relationship `json:"relationships"`
}

// document is a decoded JSON:API response whose primary resources have attributes
// D and whose included resources have attributes I.
type document[D, I any] struct {
	Data     []resource[D]
	Included map[identifier]resource[I]
	// Bad and BadIncluded are the primary and included resources that did not
	// decode: one wrongly typed member fails its resource, never the document.
	Bad, BadIncluded []*badResource
	// NextPage is meta.next-page; 0 when this is the last page.
	NextPage int
}

// badResource is a resource of a well-formed document that did not decode: its id
// and type as far as they could be read (ID 0 when not), its bytes and why.
type badResource struct {
	ID   int64
	Type string
	Raw  json.RawMessage
	Err  error
}

func (b *badResource) Error() string { return b.Err.Error() }

func (b *badResource) Unwrap() error { return b.Err }

// malformedError is a response body that is not one well-formed JSON document.
type malformedError struct{ err error }

func (e *malformedError) Error() string { return "decoding JSON:API document: " + e.err.Error() }

func (e *malformedError) Unwrap() error { return e.err }

// reader reads a JSON:API document member by member.
type reader struct {
	dec  *json.Decoder
	body []byte
}

// value decodes the next value into v and returns its bytes, a slice of the body. A
// syntax error or an early end is a *malformedError; v's own decoding errors come
// back as they are, with the value's bytes.
func (r *reader) value(v any) ([]byte, error) {
	start := r.dec.InputOffset()
	err := r.dec.Decode(v)
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return nil, &malformedError{err}
	}
	// The value starts after the separator and whitespace that precede it.
	return bytes.TrimLeft(r.body[start:r.dec.InputOffset()], ":, \t\r\n"), err
}

// decode decodes the next value into v; any failure is a *malformedError.
func (r *reader) decode(v any) error {
	if err := r.dec.Decode(v); err != nil {
		return &malformedError{err}
	}
	return nil
}

// skip reads past the next value.
func (r *reader) skip() error {
	var skipped json.RawMessage
	return r.decode(&skipped)
}

// token reads the next token; the end of the body is a *malformedError.
func (r *reader) token() (json.Token, error) {
	t, err := r.dec.Token()
	if err != nil {
		return nil, &malformedError{err}
	}
	return t, nil
}

// delim reads the delimiter want.
func (r *reader) delim(want json.Delim) error {
	t, err := r.token()
	if err != nil {
		return err
	}
	if t != want {
		return &malformedError{fmt.Errorf("want %q, got %v", want, t)}
	}
	return nil
}

// peek returns the first byte of the next value without reading it, or 0 at the end
// of the body.
func (r *reader) peek() byte {
	for _, c := range r.body[r.dec.InputOffset():] {
		switch c {
		case ' ', '\t', '\r', '\n', ':', ',':
			continue
		}
		return c
	}
	return 0
}

// array calls fn for each element of the array that comes next; null is an empty
// array.
func (r *reader) array(what string, fn func(i int) error) error {
	switch r.peek() {
	case 'n':
		return r.skip()
	case '[':
	default:
		if err := r.skip(); err != nil {
			return err
		}
		return &malformedError{fmt.Errorf("%s is not an array", what)}
	}
	if err := r.delim('['); err != nil {
		return err
	}
	for i := 0; r.dec.More(); i++ {
		if err := fn(i); err != nil {
			return err
		}
	}
	return r.delim(']')
}

// wireMeta and wireLinks are the members of meta and links that paging reads.
type (
	wireMeta struct {
		NextPage json.RawMessage `json:"next-page"`
	}
	wireLinks struct {
		Next *string `json:"next"`
	}
)

// decodeDocument decodes a JSON:API document. wantType, when set, is the type every
// primary resource must have.
func decodeDocument[D, I any](body []byte, wantType string) (*document[D, I], error) {
	doc, err := readDocument[D, I](body, wantType)
	if err != nil {
		var malformed *malformedError
		if errors.As(err, &malformed) {
			return nil, malformed
		}
		return nil, err
	}
	return doc, nil
}

// readDocument does decodeDocument's work; a malformed body may come back wrapped.
func readDocument[D, I any](body []byte, wantType string) (*document[D, I], error) {
	r := &reader{dec: json.NewDecoder(bytes.NewReader(body)), body: body}
	doc := &document[D, I]{Included: map[identifier]resource[I]{}}
	var (
		hasData bool
		meta    *wireMeta
		links   *wireLinks
		errs    json.RawMessage
	)
	if err := r.delim('{'); err != nil {
		return nil, err
	}
	for r.dec.More() {
		key, err := r.token()
		if err != nil {
			return nil, err
		}
		switch key {
		case "data":
			hasData, err = readData(r, doc, wantType)
		case "included":
			err = readIncluded(r, doc)
		case "meta":
			err = r.decode(&meta)
		case "links":
			err = r.decode(&links)
		case "errors":
			err = r.decode(&errs)
		default:
			err = r.skip()
		}
		if err != nil {
			return nil, err
		}
	}
	if err := r.delim('}'); err != nil {
		return nil, err
	}
	if _, err := r.dec.Token(); err != io.EOF {
		return nil, &malformedError{errors.New("data after the top-level object")}
	}
	if len(errs) > 0 && string(errs) != "null" {
		return nil, fmt.Errorf("document carries errors: %s", excerpt(errs))
	}
	if !hasData {
		return nil, errors.New("document has no data member")
	}
	next, err := nextPage(meta, links)
	if err != nil {
		return nil, err
	}
	doc.NextPage = next
	return doc, nil
}

// readData reads the data member: an array of resources, one resource, or null (no
// data, reported as false).
func readData[D, I any](r *reader, doc *document[D, I], wantType string) (bool, error) {
	add := func(res resource[D]) error {
		if wantType != "" && res.Type != wantType {
			return fmt.Errorf("resource %s %d: want type %q", res.Type, res.ID, wantType)
		}
		doc.Data = append(doc.Data, res)
		return nil
	}
	switch r.peek() {
	case '[':
		return true, r.array("data", func(i int) error {
			res, err := readResource[D](r)
			var bad *badResource
			if errors.As(err, &bad) {
				doc.Bad = append(doc.Bad, bad)
				return nil
			}
			if err != nil {
				return fmt.Errorf("data[%d]: %w", i, err)
			}
			return add(res)
		})
	case '{':
		res, err := readResource[D](r)
		if err != nil {
			return true, fmt.Errorf("data: %w", err)
		}
		return true, add(res)
	case 'n':
		return false, r.skip()
	}
	if err := r.skip(); err != nil {
		return false, err
	}
	return false, errors.New("data is neither an array nor an object")
}

// readIncluded reads the included member into doc.Included.
func readIncluded[D, I any](r *reader, doc *document[D, I]) error {
	return r.array("included", func(i int) error {
		res, err := readResource[I](r)
		var bad *badResource
		if errors.As(err, &bad) {
			doc.BadIncluded = append(doc.BadIncluded, bad)
			return nil
		}
		if err != nil {
			return fmt.Errorf("included[%d]: %w", i, err)
		}
		doc.Included[identifier{ID: res.ID, Type: res.Type}] = res
		return nil
	})
}

// readResource reads one resource object. A well-formed resource that does not
// decode, or has no id or type, comes back as a *badResource.
func readResource[A any](r *reader) (resource[A], error) {
	var w wireResource[A]
	raw, err := r.value(&w)
	var malformed *malformedError
	switch {
	case errors.As(err, &malformed):
		return resource[A]{}, err
	case err != nil || w.ID == 0:
		return resource[A]{}, explain[A](raw, err)
	case w.Type == "":
		return resource[A]{}, &badResource{ID: int64(w.ID), Raw: raw, Err: fmt.Errorf("resource %d has no type", w.ID)}
	}
	return resource[A]{ID: int64(w.ID), Type: w.Type, Relationships: w.Relationships, Raw: raw, attrs: w.Attributes}, nil
}

// explain decodes a resource that failed to decode in one pass (with err, or
// without an id) member by member, and returns it as a *badResource whose error
// names the resource and the member at fault.
func explain[A any](raw []byte, err error) *badResource {
	var w struct {
		ID            json.RawMessage            `json:"id"`
		Type          string                     `json:"type"`
		Attributes    json.RawMessage            `json:"attributes"`
		Relationships map[string]json.RawMessage `json:"relationships"`
	}
	bad := &badResource{Raw: raw}
	if err := json.Unmarshal(raw, &w); err != nil {
		bad.Err = fmt.Errorf("decoding resource: %w", err)
		return bad
	}
	bad.Type = w.Type
	id, idErr := parseID(w.ID)
	if idErr != nil {
		bad.Err = fmt.Errorf("resource of type %q: id: %w", w.Type, idErr)
		return bad
	}
	bad.ID = id
	for name, rel := range w.Relationships {
		var r relationship
		if err := json.Unmarshal(rel, &r); err != nil {
			bad.Err = fmt.Errorf("resource %s %d: relationships.%s: %w", w.Type, id, name, err)
			return bad
		}
	}
	if len(w.Attributes) > 0 {
		if err := json.Unmarshal(w.Attributes, new(A)); err != nil {
			bad.Err = fmt.Errorf("resource %s %d: attributes%s: %w", w.Type, id, memberAt[A](w.Attributes), err)
			return bad
		}
	}
	if err == nil {
		err = errors.New("the resource has no id")
	}
	bad.Err = fmt.Errorf("resource %s %d: %w", w.Type, id, err)
	return bad
}

// memberAt returns ".name" of the first member of the attributes object raw (in
// key order) that does not decode into A on its own, or "" when none is found.
func memberAt[A any](raw json.RawMessage) string {
	var members map[string]json.RawMessage
	if json.Unmarshal(raw, &members) != nil {
		return ""
	}
	keys := slices.Sorted(maps.Keys(members))
	for _, k := range keys {
		one, err := json.Marshal(map[string]json.RawMessage{k: members[k]})
		if err == nil && json.Unmarshal(one, new(A)) != nil {
			return "." + k
		}
	}
	return ""
}

// quarantine returns the quarantined record of a resource that did not decode,
// found on page (e.g. "GET /organizations page 2").
func (b *badResource) quarantine(kind, page string) *record.Quarantined {
	id := ""
	if b.ID > 0 {
		id = strconv.FormatInt(b.ID, 10)
	}
	q := record.Quarantine(Name, kind, id, b.Raw, b.Err)
	q.Page = page
	return q
}

// nextPage reads meta.next-page or, without it, the page[number] of links.next; 0
// means this is the last page.
func nextPage(meta *wireMeta, links *wireLinks) (int, error) {
	switch {
	case meta != nil && len(meta.NextPage) > 0:
		n, err := optionalInt(meta.NextPage)
		if err != nil {
			return 0, fmt.Errorf("meta.next-page: %w", err)
		}
		return int(n), nil
	case links != nil && links.Next != nil && *links.Next != "":
		u, err := url.Parse(*links.Next)
		if err != nil {
			return 0, fmt.Errorf("links.next: %w", err)
		}
		n, err := strconv.Atoi(u.Query().Get("page[number]"))
		if err != nil || n < 1 {
			return 0, errors.New("links.next has no page[number]")
		}
		return n, nil
	}
	return 0, nil
}

// parseID reads a JSON:API id: a string of digits.
func parseID(raw []byte) (int64, error) {
	s, err := unquote(raw)
	if err != nil {
		return 0, fmt.Errorf("want a string, got %s", excerpt(raw))
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a numeric id", s)
	}
	return n, nil
}

// unquote reads a JSON string; null reads as "". Strings without escapes, which is
// nearly all of them, are read without a JSON decoder.
func unquote(b []byte) (string, error) {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && bytes.IndexByte(b, '\\') < 0 {
		return string(b[1 : len(b)-1]), nil
	}
	var s string
	err := json.Unmarshal(b, &s)
	return s, err
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
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		var err error
		if s, err = unquote(b); err != nil {
			return err
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("%s is not an id", excerpt([]byte(s)))
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
	s, err := unquote(b)
	if err != nil {
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
func walk[D, I any](ctx context.Context, c *Connector, path string, q url.Values, start int, wantType, what string,
	fn func(doc *document[D, I], page int) error,
) error {
	page := max(start, 1)
	pages := connectors.NewPager(Name, wantType, connectors.Scope{ID: what}, c.cfg.MaxPages)
	for {
		// A meta.next-page that names a page read before (the page just read
		// included) ends the read here.
		if err := pages.Next(strconv.Itoa(page)); err != nil {
			return err
		}
		q.Set("page[number]", strconv.Itoa(page))
		body, err := c.get(ctx, path, q)
		if err != nil {
			return fmt.Errorf("itglue: list %s page %d: %w", what, page, err)
		}
		doc, err := decodeDocument[D, I](body, wantType)
		if err != nil {
			return fmt.Errorf("itglue: list %s page %d: %w", what, page, err)
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
