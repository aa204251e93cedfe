package progress_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/connectors/connectortest"
	"github.com/custos-msp/custos/progress"
	"github.com/custos-msp/custos/vocab"
)

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// event is one thing told to a tracker, then the clock moved by after.
type event struct {
	do    func(t *progress.Tracker)
	after time.Duration
}

func TestTracker_CountsAndETA(t *testing.T) {
	boom := errors.New("boom")
	begin := event{do: func(t *progress.Tracker) { t.Begin("itglue") }}
	list := func(n int) event {
		return event{do: func(t *progress.Tracker) { t.ScopesListed("itglue", "configurations", n) }}
	}
	done := func(err error, after time.Duration) event {
		return event{do: func(t *progress.Tracker) { t.ScopeDone("itglue", "configurations", "1", "Contoso", "failed", err) }, after: after}
	}
	tests := []struct {
		name   string
		events []event
		want   progress.Status
	}{
		{"nothing pulled yet: no ETA", []event{begin, list(50), {after: 3 * time.Second}},
			progress.Status{Connector: "itglue", Running: true, Scopes: 50, Elapsed: 3 * time.Second, ETA: -1}},
		{"10 of 50 in 20s: 80s left", []event{begin, list(50), done(nil, 20*time.Second), done(nil, 0), done(nil, 0), done(nil, 0), done(nil, 0),
			done(nil, 0), done(nil, 0), done(nil, 0), done(nil, 0), done(nil, 0)},
			progress.Status{Connector: "itglue", Running: true, Scopes: 50, Done: 10, Elapsed: 20 * time.Second, ETA: 80 * time.Second}},
		{"requests, waits and records", []event{
			begin, list(2),
			{do: func(t *progress.Tracker) {
				t.Request("itglue")
				t.Request("itglue")
				t.Request("m365") // another connector's
				t.Waited("itglue", progress.WaitThrottled, 2*time.Second)
				t.Waited("itglue", progress.WaitRateLimit, time.Second)
				t.Committed("itglue", 40)
				t.Committed("itglue", 2)
			}, after: time.Second},
			done(nil, 0),
		}, progress.Status{Connector: "itglue", Running: true, Scopes: 2, Done: 1, Records: 42, Requests: 2, Throttled: 1,
			Waited: 3 * time.Second, Elapsed: time.Second, ETA: time.Second}},
		{"a failure", []event{begin, list(1), done(boom, time.Second)},
			progress.Status{Connector: "itglue", Running: true, Scopes: 1, Done: 1, Failed: 1, Elapsed: time.Second,
				Failures: []progress.Failure{{Stream: "configurations", Scope: "1", ScopeName: "Contoso", Outcome: "failed", Cause: "boom"}}}},
		{"ended: the time stops", []event{begin, list(1), done(nil, 4*time.Second), {do: func(t *progress.Tracker) { t.End("itglue") }, after: time.Hour}},
			progress.Status{Connector: "itglue", Scopes: 1, Done: 1, Elapsed: 4 * time.Second}},
		{"begin again starts from zero", []event{begin, list(5), done(nil, time.Second), begin, list(3)},
			progress.Status{Connector: "itglue", Running: true, Scopes: 3, ETA: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			tr := progress.New(clock.Now)
			for _, e := range tt.events {
				if e.do != nil {
					e.do(tr)
				}
				clock.Advance(e.after)
			}
			got := tr.Snapshot()[0]
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("status\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestTracker_NilIgnoresEvents(t *testing.T) {
	var tr *progress.Tracker
	tr.Begin("itglue")
	tr.Request("itglue")
	if s := tr.Snapshot(); s != nil {
		t.Errorf("a nil tracker's snapshot = %v", s)
	}
}

func TestStatus_CausesGroupsOneCauseOfManyScopes(t *testing.T) {
	tr := progress.New(newClock().Now)
	tr.Begin("itglue")
	for _, org := range []string{"101", "102", "103"} {
		err := fmt.Errorf("itglue: GET /organizations/%s/relationships/configurations: HTTP 500: {\"errors\":[{\"status\":\"500\",\"title\":\"long\"}]}", org)
		tr.ScopeDone("itglue", "configurations", org, "org "+org, "failed", err)
	}
	tr.ScopeDone("itglue", "configurations", "104", "org 104", "access_denied", errors.New("itglue: GET /organizations/104/relationships/configurations: HTTP 403"))
	// The same scope failing in a second stream for the same cause is named once.
	tr.ScopeDone("itglue", "configurations", "101", "org 101", "failed", errors.New("itglue: GET /organizations/101/relationships/configurations: HTTP 500: {\"errors\":[{\"status\":\"500\",\"title\":\"long\"}]}"))
	got := tr.Snapshot()[0].Causes(func(f progress.Failure) string { return strings.ToUpper(f.ScopeName) })
	want := []progress.Cause{
		{Outcome: "failed", Message: "itglue: GET /organizations/{scope}/relationships/configurations: HTTP 500: {\"errors\":[{\"status\":\"500\",\"title\":\"long\"}]}",
			Scopes: []string{"ORG 101", "ORG 102", "ORG 103"}},
		{Outcome: "access_denied", Message: "itglue: GET /organizations/{scope}/relationships/configurations: HTTP 403", Scopes: []string{"ORG 104"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("causes\n got %+v\nwant %+v", got, want)
	}
}

// causeError has a cause apart from its message, as connectors.TransportError.
type causeError struct{ msg, cause string }

func (e causeError) Error() string { return e.msg }
func (e causeError) Cause() string { return e.cause }

// classified is an error that classifies a failure, as connectors.StatusError.
type classified struct{ msg string }

func (e classified) Error() string          { return e.msg }
func (e classified) Outcome() vocab.Outcome { return vocab.OutcomeFailed }

func TestTracker_CauseReplacesOnlyTheScopeID(t *testing.T) {
	tests := []struct {
		name, scope string
		err         error
		want        string
	}{
		{"path segment", "401", errors.New("GET /organizations/401/configurations: HTTP 401"), "GET /organizations/{scope}/configurations: HTTP 401"},
		{"quoted tenant", "5b7c2e10", errors.New(`token for tenant "5b7c2e10": consent`), `token for tenant "{scope}": consent`},
		{"repeated", "1", errors.New("GET /a/1/1/b: HTTP 500"), "GET /a/{scope}/{scope}/b: HTTP 500"},
		{"part of a longer id", "12", errors.New("GET /organizations/123: HTTP 500"), "GET /organizations/123: HTTP 500"},
		{"an error's own cause", "7", fmt.Errorf("list page 1: %w", causeError{"GET /organizations/7 at http://h: refused", "http://h: refused"}), "http://h: refused"},
		{"a long id as a word", "3eb04f55-a178", errors.New("token for tenant 3eb04f55-a178: not consented (tenant 3eb04f55-a178)"),
			"token for tenant {scope}: not consented (tenant {scope})"},
		{"a short id as a word stays", "500", errors.New("organization 500: HTTP 500"), "organization 500: HTTP 500"},
		{"the classifying error, not where it happened", "2519688",
			fmt.Errorf("list configurations for organization 2519688 page 1: %w", classified{"GET /configurations: HTTP 500"}), "GET /configurations: HTTP 500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := progress.New(nil)
			tr.ScopeDone("itglue", "configurations", tt.scope, "", "failed", tt.err)
			if got := tr.Snapshot()[0].Failures[0].Cause; got != tt.want {
				t.Errorf("cause = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLine_FitsTheWidth(t *testing.T) {
	running := progress.Status{Connector: "itglue", Running: true, Scopes: 50, Done: 10, Records: 1234, Requests: 310, Throttled: 2, ETA: 80 * time.Second}
	tests := []struct {
		name  string
		s     progress.Status
		width int
		want  string
	}{
		{"running, any width", running, 0, "itglue        10/50 scopes  1234 records  310 requests  2 throttled  ETA 1m20s"},
		{"running, wide enough", running, 80, "itglue        10/50 scopes  1234 records  310 requests  2 throttled  ETA 1m20s"},
		{"running, narrow", running, 40, "itglue        10/50 scopes  1234 record…"},
		{"no ETA yet", progress.Status{Connector: "m365", Running: true, Scopes: 3, ETA: -1}, 0,
			"m365          0/3 scopes  0 records  0 requests  0 throttled  ETA …"},
		{"done, with failures", progress.Status{Connector: "dattormm", Scopes: 4, Done: 4, Failed: 1, Elapsed: 2500 * time.Millisecond}, 0,
			"dattormm      4/4 scopes  0 records  0 requests  0 throttled  1 failed  done in 2.5s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := progress.Line(tt.s, tt.width)
			if got != tt.want {
				t.Errorf("line\n got %q\nwant %q", got, tt.want)
			}
			if tt.width > 0 && len([]rune(got)) > tt.width {
				t.Errorf("line of %d characters for a width of %d", len([]rune(got)), tt.width)
			}
		})
	}
}

func TestTerminal_RedrawsInPlaceAndLogsAbove(t *testing.T) {
	tr := progress.New(newClock().Now)
	tr.Begin("itglue")
	tr.ScopesListed("itglue", "configurations", 5)
	tr.Begin("autotask")
	var out bytes.Buffer
	term := progress.NewTerminal(&out, tr, func() int { return 30 })

	term.Render()
	first := out.String()
	want := "\r\x1b[J" + progress.Line(tr.Snapshot()[0], 29) + "\n" + progress.Line(tr.Snapshot()[1], 29) + "\n"
	if first != want {
		t.Errorf("first drawing\n got %q\nwant %q", first, want)
	}
	out.Reset()
	term.Render()
	if got := out.String(); !strings.HasPrefix(got, "\x1b[2A\r\x1b[J") || strings.TrimPrefix(got, "\x1b[2A") != want {
		t.Errorf("second drawing does not go back over the two lines drawn and draw them again: %q", got)
	}
	out.Reset()
	if _, err := term.Write([]byte("a log line\n")); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "\x1b[2A\r\x1b[Ja log line\n"+strings.TrimPrefix(want, "\r\x1b[J") {
		t.Errorf("a log line is not written above the live lines: %q", got)
	}

	// Finished, the lines stay: what comes after goes below them, as it is.
	term.Finish()
	out.Reset()
	term.Render()
	if _, err := term.Write([]byte("after\n")); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "after\n" {
		t.Errorf("after Finish the terminal wrote %q, want only the log line", got)
	}
}

func TestLog_EmitsProgressRecordsOfRunningConnectors(t *testing.T) {
	clock := newClock()
	tr := progress.New(clock.Now)
	tr.Begin("dattormm")
	tr.End("dattormm") // ended: no record
	tr.Begin("itglue")
	tr.ScopesListed("itglue", "configurations", 4)
	tr.ScopeDone("itglue", "configurations", "1", "Contoso", "ok", nil)
	tr.Request("itglue")
	tr.Waited("itglue", progress.WaitThrottled, time.Second)
	tr.Committed("itglue", 7)
	clock.Advance(10 * time.Second)

	var buf connectortest.LogBuffer
	stop := progress.Follow(progress.Log{Logger: zerolog.New(&buf), Tracker: tr}, 5*time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(buf.String(), "\n") < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) < 3 { // at least two ticks and the last rendering at stop
		t.Fatalf("%d progress records, want one each interval and one at stop:\n%s", len(lines), buf.String())
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"level": "info", "message": "sync progress", "connector": "itglue", "scopes_done": 1.0, "scopes": 4.0, "failed": 0.0,
		"records": 7.0, "requests": 1.0, "throttled_waits": 1.0, "elapsed_seconds": 10.0, "eta_seconds": 30.0,
	}
	if !reflect.DeepEqual(rec, want) {
		t.Errorf("progress record\n got %v\nwant %v", rec, want)
	}
}
