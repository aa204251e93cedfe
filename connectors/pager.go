package connectors

import (
	"errors"
	"fmt"
)

// ErrPagingLoop is what a *PagingError matches when a read met a link or cursor it
// had already followed; ErrTooManyPages when it reached its page ceiling.
var (
	ErrPagingLoop   = errors.New("the next link or cursor repeats an earlier page")
	ErrTooManyPages = errors.New("the page ceiling (max_pages) is reached")
)

// PagingError ends a paged read that would not end by itself.
type PagingError struct {
	Vendor, Stream string
	Scope          Scope
	// Page is the number of the page that was about to be read (1 for the first).
	Page int
	// Reason is ErrPagingLoop or ErrTooManyPages, with detail.
	Reason error
}

// Error implements error.
func (e *PagingError) Error() string {
	return fmt.Sprintf("%s: stream %s, scope %s: page %d: %v", e.Vendor, e.Stream, e.Scope.ID, e.Page, e.Reason)
}

// Unwrap returns the reason, so errors.Is matches ErrPagingLoop or ErrTooManyPages.
func (e *PagingError) Unwrap() error { return e.Reason }

// Pager makes one paged read end: it counts the pages and remembers every link or
// cursor it followed. Call Next with each page's link (or cursor) before reading it.
// It remembers keys, not pages, so it holds a few bytes per page.
type Pager struct {
	vendor, stream string
	scope          Scope
	max            int
	page           int
	seen           map[string]int
}

// NewPager returns the guard of one read of stream for scope; max <= 0 means no
// ceiling (a loop is still caught).
func NewPager(vendor, stream string, scope Scope, max int) *Pager {
	return &Pager{vendor: vendor, stream: stream, scope: scope, max: max, seen: map[string]int{}}
}

// Next accounts for the next page, named by key (its URL, page number or cursor).
// It returns a *PagingError when key was followed before or the ceiling is reached.
func (p *Pager) Next(key string) error {
	p.page++
	if first, ok := p.seen[key]; ok {
		return p.fail(fmt.Errorf("%w (page %d's)", ErrPagingLoop, first))
	}
	if p.max > 0 && p.page > p.max {
		return p.fail(fmt.Errorf("%w: %d pages", ErrTooManyPages, p.max))
	}
	p.seen[key] = p.page
	return nil
}

// Page returns the number of the page Next last accounted for.
func (p *Pager) Page() int { return p.page }

func (p *Pager) fail(reason error) error {
	return &PagingError{Vendor: p.vendor, Stream: p.stream, Scope: p.scope, Page: p.page, Reason: reason}
}
