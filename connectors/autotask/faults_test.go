package autotask

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/connectortest"
	fx "github.com/custos-msp/custos/fixtures/autotask"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/vocab"
)

// windowPage matches the TicketNotes window query's page after id after.
func windowPage(after int64) func(*http.Request) bool {
	return func(r *http.Request) bool {
		q := fx.RequestQuery(r)
		return q != nil && q.Has("lastActivityDate") && q.AfterID() == after
	}
}

func TestTickets_FailingPageResumesWithoutGap(t *testing.T) {
	tests := []struct {
		name  string
		fault fx.Fault
		want  vocab.Outcome
	}{
		{"500", fx.Fault{Status: 500}, vocab.OutcomeFailed},
		{"429 with Retry-After", fx.Fault{Status: 429, RetryAfter: "1"}, vocab.OutcomeThrottled},
		{"malformed", fx.Fault{Malformed: true}, vocab.OutcomeFailed},
		{"truncated", fx.Fault{Truncated: true}, vocab.OutcomeFailed},
		{"timeout", fx.Fault{Delay: 5 * time.Second}, vocab.OutcomeFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref := newEnv(t)
			ref.conn.pageSize = 2
			whole, _ := ref.mustPull(t, "tickets", "")

			e := newEnv(t)
			e.conn.pageSize = 2
			f := tt.fault
			f.Path, f.Match = fx.QueryPath("TicketNotes"), windowPage(9002)
			e.srv.Inject(f)
			first, _, err := e.pull(t, "tickets", "")
			if err == nil {
				t.Fatal("Pull succeeded, want an error")
			}
			connectortest.MustContain(t, err.Error(), "autotask", "tickets", "TicketNotes", "page 2", "ids after 9002")
			if got := connectors.Classify(err); got != tt.want {
				t.Errorf("Classify(%v) = %q, want %q", err, got, tt.want)
			}
			if len(first.Pages) != 1 {
				t.Fatalf("%d pages accepted, want the first only", len(first.Pages))
			}
			e.srv.ClearFaults()
			second, next := e.mustPull(t, "tickets", first.LastCursor())
			got := append(keys[*record.Authorisation](first.Records()), keys[*record.Authorisation](second.Records())...)
			sort.Strings(got)
			if want := keys[*record.Authorisation](whole.Records()); !reflect.DeepEqual(got, want) {
				t.Errorf("failed + resumed pulls emitted %v, want %v as one pull does", got, want)
			}
			// The newest activity of the demo: ticket T20261031.0005, now − 9h30m.
			if want := (ticketCursor{Watermark: e.ago(9*time.Hour + 30*time.Minute)}).encode(); next != want {
				t.Errorf("cursor after resuming = %s, want %s", next, want)
			}
		})
	}
}

func TestTickets_ResumeKeepsTheWindow(t *testing.T) {
	e := newEnv(t)
	e.conn.pageSize = 2
	e.srv.Inject(fx.Fault{Path: fx.QueryPath("TicketNotes"), Match: windowPage(9002), Status: 500})
	first, _, _ := e.pull(t, "tickets", "")
	// A later pull resumes the interrupted window, even though the clock moved on.
	e.conn.now = func() time.Time { return e.now.Add(6 * time.Hour) }
	e.srv.ClearFaults()
	var seen []string
	e.srv.Inject(fx.Fault{Path: fx.QueryPath("TicketNotes"), Match: func(r *http.Request) bool {
		if q := fx.RequestQuery(r); q != nil && q.Has("lastActivityDate") {
			for _, c := range q.Filter {
				if c.Op == "lte" {
					seen = append(seen, c.Value.(string))
				}
			}
		}
		return false
	}})
	e.mustPull(t, "tickets", first.LastCursor())
	want := windowTime(e.now)
	for _, s := range seen {
		if s != want {
			t.Errorf("resumed window ends %s, want the interrupted window's end %s", s, want)
		}
	}
	if len(seen) == 0 {
		t.Error("the resumed pull read no notes")
	}
}

func TestAccessDenied(t *testing.T) {
	tests := []struct {
		name   string
		secret string
		fault  *fx.Fault
	}{
		{"wrong secret", "not-the-secret", nil},
		{"401 on tickets", testSecret, &fx.Fault{Path: fx.QueryPath("Tickets"), Status: 401}},
		{"403 on ticket notes", testSecret, &fx.Fault{Path: fx.QueryPath("TicketNotes"), Status: 403}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withSecret(tt.secret))
			if tt.fault != nil {
				e.srv.Inject(*tt.fault)
			}
			_, _, err := e.pull(t, "tickets", "")
			if got := connectors.Classify(err); got != vocab.OutcomeAccessDenied {
				t.Errorf("Classify(%v) = %q, want %q", err, got, vocab.OutcomeAccessDenied)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	e := newEnv(t)
	if err := e.conn.Check(context.Background()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if n := e.srv.Requests(fx.APIPath + "/ThresholdInformation"); n != 1 {
		t.Errorf("%d requests to ThresholdInformation, want 1", n)
	}
	bad := newEnv(t, withSecret("revoked"))
	err := bad.conn.Check(context.Background())
	if got := connectors.Classify(err); got != vocab.OutcomeAccessDenied {
		t.Errorf("Check with a wrong secret: Classify(%v) = %q, want %q", err, got, vocab.OutcomeAccessDenied)
	}
}

// TestZone_DiscoveredCachedAndRediscoveredAfter401: with no base_url the zone is
// discovered at zone_url, cached, and discovered again after a 401.
func TestZone_DiscoveredCachedAndRediscoveredAfter401(t *testing.T) {
	e := newEnv(t, withConfig(func(c *config.Autotask) { c.BaseURL = "" }))
	ctx := context.Background()
	for range 2 {
		if err := e.conn.Check(ctx); err != nil {
			t.Fatalf("Check: %v", err)
		}
	}
	if n := e.srv.Requests(fx.ZonePath); n != 1 {
		t.Errorf("%d zoneInformation requests for two checks, want 1 (cached)", n)
	}
	e.srv.Inject(fx.Fault{Path: fx.APIPath + "/ThresholdInformation", Status: 401, Times: 1})
	if err := e.conn.Check(ctx); statusOf(err) != 401 {
		t.Fatalf("Check = %v, want the injected 401", err)
	}
	if err := e.conn.Check(ctx); err != nil {
		t.Fatalf("Check after the 401: %v", err)
	}
	if n := e.srv.Requests(fx.ZonePath); n != 2 {
		t.Errorf("%d zoneInformation requests, want 2 (discovered again after the 401)", n)
	}
	connectortest.MustContain(t, e.logs.String(), "discovered the Autotask zone", "612345")
}

func TestZone_UnknownUserFails(t *testing.T) {
	e := newEnv(t, withConfig(func(c *config.Autotask) { c.BaseURL = "" }))
	e.conn.username = "nobody@msp.example"
	err := e.conn.Check(context.Background())
	if err == nil || statusOf(err) != 404 {
		t.Errorf("Check = %v, want the zone lookup's 404", err)
	}
	connectortest.MustContain(t, err.Error(), "discovering the zone")
}

func TestThreshold(t *testing.T) {
	tests := []struct {
		name    string
		count   int
		want    vocab.Outcome
		wantLog string
	}{
		{"low usage", 312, vocab.OutcomeOK, `"level":"info"`},
		{"near the threshold", 9500, vocab.OutcomeThrottled, `"usage":0.95`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.srv.Update(func(ds *fx.Dataset) { ds.RequestCount = tt.count })
			sink, _, err := e.pull(t, "companies", "")
			if got := connectors.Classify(err); got != tt.want {
				t.Errorf("Classify(%v) = %q, want %q", err, got, tt.want)
			}
			if tt.want == vocab.OutcomeThrottled && len(sink.Pages) != 0 {
				t.Errorf("%d pages pulled past the threshold", len(sink.Pages))
			}
			connectortest.MustContain(t, e.logs.String(), "hourly request usage", tt.wantLog)
		})
	}
}

func TestSecrets_NeverInErrorsOrLogs(t *testing.T) {
	tests := []struct {
		name  string
		fault fx.Fault
	}{
		{"401 echoing the credentials", fx.Fault{Path: fx.QueryPath("TicketNotes"), Status: 401, EchoCredentials: true}},
		{"503 echoing them on every retry", fx.Fault{Path: fx.QueryPath("Tickets"), Status: 503, EchoCredentials: true}},
		{"429 echoing them", fx.Fault{Path: fx.QueryPath("TicketNotes"), Status: 429, RetryAfter: "0", EchoCredentials: true}},
		{"400 echoing them on a lookup", fx.Fault{Path: fx.QueryPath("Contacts"), Status: 400, EchoCredentials: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.srv.Inject(tt.fault)
			_, _, err := e.pull(t, "tickets", "")
			if err == nil {
				t.Fatal("Pull succeeded, want an error")
			}
			connectortest.MustContain(t, err.Error(), "refused for UserName=[REDACTED] Secret=[REDACTED] ApiIntegrationCode=[REDACTED]")
			for _, s := range []string{testUser, testSecret, testCode} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error shows a credential: %v", err)
				}
				if strings.Contains(e.logs.String(), s) {
					t.Errorf("logs show a credential: %s", e.logs.String())
				}
			}
			if e.srv.Denied() != 0 {
				t.Error("a request went without the credentials")
			}
		})
	}
}

func TestUserAgent_Sent(t *testing.T) {
	e := newEnv(t)
	e.mustPull(t, "resources", "")
	if got := e.srv.LastUserAgent(); got != "Custos/test" {
		t.Errorf("User-Agent = %q", got)
	}
}

func TestCancelledContext_StopsPull(t *testing.T) {
	e := newEnv(t)
	e.srv.Inject(fx.Fault{Path: fx.QueryPath("TicketNotes"), Delay: 10 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := e.stream(t, "tickets").Pull(ctx, connectors.Account, "", &connectortest.Sink{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
}

// askedWindows notes the lastActivityDate window (gt, lte) of every TicketNotes and
// Tickets window query.
func askedWindows(e *env) func() [][2]string {
	var (
		mu   stdsync.Mutex
		seen [][2]string
	)
	for _, entity := range []string{"TicketNotes", "Tickets"} {
		e.srv.Inject(fx.Fault{Path: fx.QueryPath(entity), Match: func(r *http.Request) bool {
			q := fx.RequestQuery(r)
			if q == nil || !q.Has("lastActivityDate") {
				return false
			}
			var w [2]string
			for _, c := range q.Filter {
				if !strings.EqualFold(c.Field, "lastActivityDate") {
					continue
				}
				switch c.Op {
				case "gt":
					w[0], _ = c.Value.(string)
				case "lte":
					w[1], _ = c.Value.(string)
				}
			}
			mu.Lock()
			seen = append(seen, w)
			mu.Unlock()
			return false
		}})
	}
	return func() [][2]string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(seen)
	}
}

// TestTickets_CoverTheWindowOnceFinished checks that the window is covered by the
// pull that finishes both phases, and by no pull that fails within it.
func TestTickets_CoverTheWindowOnceFinished(t *testing.T) {
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprint("failing page ", fail), func(t *testing.T) {
			e := newEnv(t)
			e.conn.pageSize = 2
			asked := askedWindows(e)
			var first *connectortest.Sink
			if fail {
				e.srv.Inject(fx.Fault{Path: fx.QueryPath("Tickets"), Match: func(r *http.Request) bool {
					q := fx.RequestQuery(r)
					return q != nil && q.Has("lastActivityDate") && q.AfterID() >= 0
				}, Status: 500})
				var err error
				if first, _, err = e.pull(t, "tickets", ""); err == nil {
					t.Fatal("Pull succeeded, want an error")
				}
				if got := first.Spans(); len(got) != 0 {
					t.Errorf("the failed pull covered %v, want nothing: rows come in id order", got)
				}
				e.srv.ClearFaults()
				asked = askedWindows(e)
				e.conn.now = func() time.Time { return e.now.Add(time.Hour) }
			}
			var from connectors.Cursor
			if first != nil {
				from = first.LastCursor()
			}
			sink, _ := e.mustPull(t, "tickets", from)
			ws := asked()
			if len(ws) == 0 {
				t.Fatal("no window query")
			}
			for _, w := range ws[1:] {
				if w != ws[0] {
					t.Fatalf("window queries %v differ", ws)
				}
			}
			got := sink.Spans()
			if len(got) != 1 || windowTime(got[0][0]) != ws[0][0] || windowTime(got[0][1]) != ws[0][1] {
				t.Errorf("windows = %v, want the one asked for, %v", got, ws[0])
			}
			if want := e.ago(e.conn.cfg.Lookback.Std()); fail && !got[0][0].Equal(want) {
				t.Errorf("the resumed pull covered from %v, want the interrupted window's start %v", got[0][0], want)
			}
		})
	}
}
