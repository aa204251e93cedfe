package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/custos-msp/custos/report"
)

// pathID reads the numeric id of a route's {name} path parameter.
func pathID(r *http.Request, name string) (uint, error) {
	v := r.PathValue(name)
	id, err := strconv.ParseUint(v, 10, 32)
	if err != nil || id == 0 {
		return 0, badField(name, "%q is not an id (a positive whole number)", v)
	}
	return uint(id), nil
}

// optionalID reads an id from a query or form field; nil when the field is empty.
func optionalID(v url.Values, field string) (*uint, error) {
	s := strings.TrimSpace(v.Get(field))
	if s == "" {
		return nil, nil
	}
	id, err := strconv.ParseUint(s, 10, 32)
	if err != nil || id == 0 {
		return nil, badField(field, "%q is not an id (a positive whole number)", s)
	}
	u := uint(id)
	return &u, nil
}

// ids reads every id a repeated field carries (the ticked boxes of a list).
func ids(v url.Values, field string) ([]uint, error) {
	var out []uint
	for _, s := range v[field] {
		id, err := strconv.ParseUint(strings.TrimSpace(s), 10, 32)
		if err != nil || id == 0 {
			return nil, badField(field, "%q is not an id (a positive whole number)", s)
		}
		out = append(out, uint(id))
	}
	return out, nil
}

// oneOf reads a field whose value must be one of allowed; "" when empty.
func oneOf(v url.Values, field string, allowed ...string) (string, error) {
	s := strings.TrimSpace(v.Get(field))
	if s == "" {
		return "", nil
	}
	for _, a := range allowed {
		if s == a {
			return s, nil
		}
	}
	return "", badField(field, "%q is not one of %s", s, strings.Join(allowed, ", "))
}

// date reads a calendar day (YYYY-MM-DD) in loc, as the start of that day; the zero
// time when empty.
func date(v url.Values, field string, loc *time.Location) (time.Time, error) {
	s := strings.TrimSpace(v.Get(field))
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return time.Time{}, badField(field, "%q is not a date such as 2026-12-01", s)
	}
	return t, nil
}

// month reads a calendar month (YYYY-MM); "" when empty.
func month(v url.Values, field string) (string, error) {
	s := strings.TrimSpace(v.Get(field))
	if s == "" {
		return "", nil
	}
	m, err := report.ParseMonth(s)
	if err != nil {
		return "", badField(field, "%q is not a month such as 2026-11", s)
	}
	return m.String(), nil
}

// PageSize is how many rows a list shows at once, unless the request asks for fewer
// (or, up to MaxPageSize, more).
const (
	PageSize    = 50
	MaxPageSize = 500
)

// Paging is which part of a long list a request asks for: ?page=N (from 1) and
// ?per=M.
type Paging struct {
	Page, Per int
}

// paging reads ?page and ?per.
func paging(v url.Values) (Paging, error) {
	p := Paging{Page: 1, Per: PageSize}
	for _, f := range []struct {
		name     string
		into     *int
		min, max int
	}{{"page", &p.Page, 1, 1 << 30}, {"per", &p.Per, 1, MaxPageSize}} {
		s := strings.TrimSpace(v.Get(f.name))
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < f.min || n > f.max {
			return Paging{}, badField(f.name, "%q is not a whole number from %d to %d", s, f.min, f.max)
		}
		*f.into = n
	}
	return p, nil
}

// Offset is how many rows come before the page.
func (p Paging) Offset() int { return (p.Page - 1) * p.Per }
