package connectors

import (
	"errors"
	"strings"
	"testing"
)

// TestPager_EndsLoopsAndLongReads: a repeated key or one page past the ceiling
// ends the read with an error naming vendor, stream, scope and page.
func TestPager_EndsLoopsAndLongReads(t *testing.T) {
	tests := []struct {
		name     string
		max      int
		keys     []string
		want     error
		wantPage int
	}{
		{"distinct keys within the ceiling", 3, []string{"a", "b", "c"}, nil, 0},
		{"a key repeats", 10, []string{"a", "b", "a"}, ErrPagingLoop, 3},
		{"the same key at once", 10, []string{"a", "a"}, ErrPagingLoop, 2},
		{"past the ceiling", 2, []string{"a", "b", "c"}, ErrTooManyPages, 3},
		{"no ceiling", 0, []string{"a", "b", "c", "d"}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPager("itglue", "configurations", Scope{ID: "42"}, tt.max)
			var err error
			for _, k := range tt.keys {
				if err = p.Next(k); err != nil {
					break
				}
			}
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err == nil {
				return
			}
			var pe *PagingError
			if !errors.As(err, &pe) || pe.Page != tt.wantPage {
				t.Fatalf("err = %#v, want a *PagingError at page %d", err, tt.wantPage)
			}
			for _, part := range []string{"itglue", "configurations", "scope 42", "page "} {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("err = %q does not name %q", err, part)
				}
			}
		})
	}
}
