// Package connectortest holds what the tests of every connector share: a sink that
// records what a stream hands over, a log buffer safe for concurrent writes, and
// small assertions.
package connectortest

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
)

// Window is one call of Sink.Covered, and how many pages had been accepted before it.
type Window struct {
	From, To time.Time
	// AfterPages is the number of pages accepted when the window was reported.
	AfterPages int
}

// Page is one call of Sink.Page.
type Page struct {
	Records []record.Record
	Next    connectors.Cursor
}

// Sink records the pages, cursors, warnings and windows a stream hands over. It is
// safe for concurrent use.
type Sink struct {
	mu      sync.Mutex
	Pages   []Page
	Warns   []error
	Windows []Window
	// FailAfter makes Page fail once this many pages were accepted (0: never).
	FailAfter int
	// Refuse makes every Page fail.
	Refuse bool
	// AfterPage, when set, runs after each accepted page with the number accepted so far.
	AfterPage func(n int)
}

var _ connectors.Sink = (*Sink)(nil)

// errFull is what a refusing sink answers.
var errFull = errors.New("sink full")

// Page implements connectors.Sink.
func (s *Sink) Page(_ context.Context, records []record.Record, next connectors.Cursor) error {
	s.mu.Lock()
	if s.Refuse || (s.FailAfter > 0 && len(s.Pages) >= s.FailAfter) {
		s.mu.Unlock()
		return errFull
	}
	s.Pages = append(s.Pages, Page{Records: records, Next: next})
	n := len(s.Pages)
	s.mu.Unlock()
	if s.AfterPage != nil {
		s.AfterPage(n)
	}
	return nil
}

// Warn implements connectors.Sink.
func (s *Sink) Warn(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Warns = append(s.Warns, err)
}

// Covered implements connectors.Sink.
func (s *Sink) Covered(from, to time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Windows = append(s.Windows, Window{From: from, To: to, AfterPages: len(s.Pages)})
}

// Spans returns the reported windows as [from, to] pairs, in order.
func (s *Sink) Spans() [][2]time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out [][2]time.Time
	for _, w := range s.Windows {
		out = append(out, [2]time.Time{w.From, w.To})
	}
	return out
}

// Records returns every accepted record, in order.
func (s *Sink) Records() []record.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []record.Record
	for _, p := range s.Pages {
		out = append(out, p.Records...)
	}
	return out
}

// IDs returns the SourceID of every accepted record, in order.
func (s *Sink) IDs() []string {
	var out []string
	for _, r := range s.Records() {
		out = append(out, r.RecordKey().SourceID)
	}
	return out
}

// LastCursor is the cursor of the last accepted page ("" when none was).
func (s *Sink) LastCursor() connectors.Cursor {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.Pages) == 0 {
		return ""
	}
	return s.Pages[len(s.Pages)-1].Next
}

// ByID returns the records of type T among recs, by SourceID.
func ByID[T record.Record](recs []record.Record) map[string]T {
	out := map[string]T{}
	for _, r := range recs {
		if v, ok := r.(T); ok {
			out[r.RecordKey().SourceID] = v
		}
	}
	return out
}

// LogBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write implements io.Writer.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// MustContain fails the test for every part that s does not contain.
func MustContain(t testing.TB, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("%q does not contain %q", s, p)
		}
	}
}

// PagingWant is the *connectors.PagingError a looping or too long read must end with.
type PagingWant struct {
	// Reason is connectors.ErrPagingLoop or connectors.ErrTooManyPages.
	Reason         error
	Vendor, Stream string
	Scope          string
	Page           int
}

// MustPagingError fails the test unless err is (or wraps) a *connectors.PagingError
// that matches want.
func MustPagingError(t testing.TB, err error, want PagingWant) {
	t.Helper()
	var pe *connectors.PagingError
	if !errors.As(err, &pe) || !errors.Is(err, want.Reason) {
		t.Fatalf("err = %v, want a paging error: %v", err, want.Reason)
	}
	if pe.Vendor != want.Vendor || pe.Stream != want.Stream || pe.Scope.ID != want.Scope || pe.Page != want.Page {
		t.Errorf("paging error names %s, stream %q, scope %q, page %d; want %s, stream %q, scope %q, page %d",
			pe.Vendor, pe.Stream, pe.Scope.ID, pe.Page, want.Vendor, want.Stream, want.Scope, want.Page)
	}
}

// LoopCase is one way a looping pager must end: with max_pages set to MaxPages,
// with Reason on page Page (Page-1 pages handed over before it).
type LoopCase struct {
	Name     string
	MaxPages int
	Reason   error
	Page     int
}

// LoopCases are the two ends of a pager whose second page links back to itself: a
// repeated link on page 3, or, with a ceiling of one page, the ceiling on page 2.
var LoopCases = []LoopCase{
	{"a repeated link", 100, connectors.ErrPagingLoop, 3},
	{"the page ceiling", 1, connectors.ErrTooManyPages, 2},
}
