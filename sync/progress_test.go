package sync_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	stdsync "sync"
	"testing"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/store/storetest"
	"github.com/custos-msp/custos/sync"
)

// progressLog records what the engine tells its Progress, one line per event
// (committed records summed per connector, as batches may land in any order).
type progressLog struct {
	mu        stdsync.Mutex
	events    []string
	committed map[string]int
}

func (p *progressLog) add(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = append(p.events, fmt.Sprintf(format, args...))
}

func (p *progressLog) Begin(c string) { p.add("begin %s", c) }
func (p *progressLog) End(c string)   { p.add("end %s", c) }
func (p *progressLog) ScopesListed(c, s string, n int) {
	p.add("listed %s/%s %d", c, s, n)
}

func (p *progressLog) Committed(c string, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.committed == nil {
		p.committed = map[string]int{}
	}
	p.committed[c] += n
}

func (p *progressLog) ScopeDone(c, s, scope, name, outcome string, err error) {
	msg := "<nil>"
	if err != nil {
		msg = err.Error()
	}
	p.add("done %s/%s/%s %q %s: %s", c, s, scope, name, outcome, msg)
}

// sorted returns the events with those between the first and the last sorted:
// scopes finish in any order.
func (p *progressLog) sorted() []string {
	out := slices.Clone(p.events)
	if len(out) > 2 {
		slices.Sort(out[1 : len(out)-1])
	}
	return out
}

// failingScopes is a stream whose scopes cannot be listed.
type failingScopes struct{ pagedStream }

func (s *failingScopes) Scopes(context.Context) ([]connectors.Scope, error) {
	return nil, errors.New("HTTP 503")
}

func TestRun_TellsProgressOfScopesRecordsAndFailures(t *testing.T) {
	tests := []struct {
		name      string
		stream    connectors.Stream
		events    []string
		committed int
	}{
		{"a failing scope and a panicking one", func() connectors.Stream {
			s := newStream(map[string]int{"a": 2})
			s.panicIn = "c"
			return s
		}(), []string{
			"begin test",
			`done test/configurations/a "org a" failed: test: list configurations for organization a page 2: HTTP 503`,
			`done test/configurations/b "org b" ok: <nil>`,
			`done test/configurations/c "org c" failed: panic: connector bug`,
			"listed test/configurations 3",
			"end test",
		}, 4 + 23}, // a's first page, all of b
		{"scopes not listed", &failingScopes{}, []string{
			"begin test",
			`done test/configurations/* "listing scopes" failed: listing scopes: HTTP 503`,
			"listed test/configurations 1",
			"end test",
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := storetest.Open(t, "sqlite", nil)
			e := engine(st, 4)
			p := &progressLog{}
			e.Progress = p
			results, _ := e.Run(ctx, testConnector{tt.stream})
			if got := p.sorted(); !reflect.DeepEqual(got, tt.events) {
				t.Errorf("events\n got %q\nwant %q", got, tt.events)
			}
			if p.committed["test"] != tt.committed {
				t.Errorf("committed %d records, want %d", p.committed["test"], tt.committed)
			}
			// The result names the key; the progress's cause does not repeat it.
			for _, r := range results {
				if r.Err != nil && !strings.HasPrefix(r.Err.Error(), r.Key.String()+": ") && r.Key.Scope != sync.AllScopes {
					t.Errorf("result error %q does not start with its key", r.Err)
				}
			}
		})
	}
}
