package screenconnect

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/connectortest"
	fx "github.com/custos-msp/custos/fixtures/screenconnect"
	"github.com/custos-msp/custos/vocab"
)

// smallPages makes reports return at most 3 rows, so that windows split.
func smallPages(c *config.ScreenConnect) { c.ItemLimit = 3 }

func TestTruncation_SplitsWindowsAndReadsEveryRow(t *testing.T) {
	whole := newEnv(t, options{})
	split := newEnv(t, options{cfg: smallPages})
	for _, stream := range []string{"sessions", "connections", "events"} {
		t.Run(stream, func(t *testing.T) {
			want, _ := mustPull(t, whole.conn, stream, "")
			got, _ := mustPull(t, split.conn, stream, "")
			if !reflect.DeepEqual(ids(got.Records()), ids(want.Records())) {
				t.Errorf("with item_limit 3: %q, want %q", ids(got.Records()), ids(want.Records()))
			}
		})
	}
	if n := split.srv.Reports("SessionConnection"); n <= whole.srv.Reports("SessionConnection") {
		t.Errorf("%d SessionConnection reports with item_limit 3, want more than %d", n, whole.srv.Reports("SessionConnection"))
	}
	sink, _ := mustPull(t, split.conn, "connections", "")
	for i, p := range sink.Pages {
		if len(p.Records) == 0 || len(p.Records) >= 3 {
			t.Errorf("page %d has %d records, want 1 or 2 (fewer than item_limit)", i, len(p.Records))
		}
		if i > 0 && p.Next < sink.Pages[i-1].Next {
			t.Errorf("page %d cursor %s goes back from %s", i, p.Next, sink.Pages[i-1].Next)
		}
	}
}

func TestTruncation_TooManyRowsInOneSecondFails(t *testing.T) {
	e := newEnv(t, options{cfg: func(c *config.ScreenConnect) { c.ItemLimit = 2 }, ds: func(ds *fx.Dataset) {
		fab := ds.Session("FAB-SRV01")
		at := ds.ConnectionsOf(fab.ID)[3].Connected.Truncate(time.Second)
		for i := range 3 {
			ds.Connections = append(ds.Connections, &fx.Connection{ID: fmt.Sprintf("11111111-2222-4333-8444-55555555555%d", i),
				SessionID: fab.ID, ProcessType: "Host", ParticipantName: fx.Bob, Connected: at.Add(time.Duration(i) * time.Millisecond)})
		}
	}})
	_, _, err := pull(t, e.conn, "connections", "")
	if err == nil || !strings.Contains(err.Error(), "raise item_limit") {
		t.Errorf("err = %v, want a request to raise item_limit", err)
	}
}

// The next pull resumes from the cursor of the last page the sink accepted.
func TestFailingPage_NextPullResumesFromLastAcceptedCursor(t *testing.T) {
	tests := []struct {
		name    string
		fault   fx.Fault
		outcome vocab.Outcome
		text    string
	}{
		{"server error", fx.Fault{Status: 500}, vocab.OutcomeFailed, "HTTP 500"},
		{"throttled with Retry-After", fx.Fault{Status: 429, RetryAfter: "0"}, vocab.OutcomeThrottled, "HTTP 429"},
		{"malformed body", fx.Fault{Malformed: true}, vocab.OutcomeFailed, "decoding the report"},
		{"truncated body", fx.Fault{Truncated: true}, vocab.OutcomeFailed, "SessionConnection"},
		{"timeout", fx.Fault{Delay: 2 * time.Second}, vocab.OutcomeFailed, "timed out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, options{cfg: smallPages})
			want, _ := mustPull(t, e.conn, "connections", "")

			f := tt.fault
			f.Path = "/Report.json"
			f.Query = map[string]string{"ReportType": "SessionConnection"}
			sink := &connectortest.Sink{AfterPage: func(n int) {
				if n == 1 {
					e.srv.Inject(f)
				}
			}}
			_, err := pullInto(t, e.conn, "connections", "", sink)
			if err == nil {
				t.Fatal("Pull succeeded, want an error")
			}
			connectortest.MustContain(t, err.Error(), "screenconnect", "SessionConnection report for ", tt.text)
			if got := connectors.Classify(err); got != tt.outcome {
				t.Errorf("Classify = %q, want %q (%v)", got, tt.outcome, err)
			}
			if len(sink.Pages) != 1 {
				t.Fatalf("%d pages accepted, want 1", len(sink.Pages))
			}

			e.srv.ClearFaults()
			rest, _ := mustPull(t, e.conn, "connections", sink.LastCursor())
			got := append(ids(sink.Records()), ids(rest.Records())...)
			slices.Sort(got)
			got = slices.Compact(got)
			if !reflect.DeepEqual(got, ids(want.Records())) {
				t.Errorf("first page and the resumed pull read %q, want %q", got, ids(want.Records()))
			}
		})
	}
}

func TestAccessDenied(t *testing.T) {
	e := newEnv(t, options{password: "wrong-password-123"})
	for _, s := range e.conn.Streams() {
		_, _, err := pull(t, e.conn, s.Name(), "")
		if got := connectors.Classify(err); got != vocab.OutcomeAccessDenied {
			t.Errorf("%s: Classify(%v) = %q, want %q", s.Name(), err, got, vocab.OutcomeAccessDenied)
		}
		var se *connectors.StatusError
		if !errors.As(err, &se) || se.Status != 401 {
			t.Errorf("%s: err = %v, want a 401 *connectors.StatusError inside", s.Name(), err)
		}
	}
	if got := connectors.Classify(e.conn.Check(context.Background())); got != vocab.OutcomeAccessDenied {
		t.Errorf("Check: Classify = %q, want %q", got, vocab.OutcomeAccessDenied)
	}
}

func TestCheck_OneCheapRequest(t *testing.T) {
	e := newEnv(t, options{})
	if err := e.conn.Check(context.Background()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if n := e.srv.Requests("/Report.json"); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestSecrets_NeverInErrorsOrLogs(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte(fx.DemoUsername + ":" + fx.DemoPassword))
	tests := []struct {
		name  string
		fault fx.Fault
	}{
		{"401 echoing the credentials", fx.Fault{Path: "/Report.json", Status: 401, EchoCredentials: true}},
		{"503 echoing them on every retry", fx.Fault{Path: "/Report.json", Status: 503, EchoCredentials: true}},
		{"429 echoing them", fx.Fault{Path: "/Report.json", Status: 429, RetryAfter: "0", EchoCredentials: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, options{})
			e.srv.Inject(tt.fault)
			_, _, err := pull(t, e.conn, "connections", "")
			if err == nil {
				t.Fatal("Pull succeeded, want an error")
			}
			connectortest.MustContain(t, err.Error(), "the credentials Basic [REDACTED] were refused")
			for _, s := range []string{fx.DemoPassword, fx.DemoUsername, basic} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error shows %q: %v", s, err)
				}
				if strings.Contains(e.logs.String(), s) {
					t.Errorf("logs show %q: %s", s, e.logs.String())
				}
			}
		})
	}
}

func TestSinkError_StopsPull(t *testing.T) {
	e := newEnv(t, options{cfg: smallPages})
	for _, s := range e.conn.Streams() {
		_, err := pullInto(t, e.conn, s.Name(), "", &connectortest.Sink{Refuse: true})
		if err == nil || !strings.Contains(err.Error(), "sink full") {
			t.Errorf("%s: err = %v, want the sink's error", s.Name(), err)
		}
	}
}

func TestIncremental_UnreadableCursorRestartsFromLookback(t *testing.T) {
	e := newEnv(t, options{})
	want, _ := mustPull(t, e.conn, "connections", "")
	sink, _ := mustPull(t, e.conn, "connections", "{not json")
	if len(sink.Warns) != 1 || !reflect.DeepEqual(ids(sink.Records()), ids(want.Records())) {
		t.Errorf("warnings %v, %d records; want one warning and all %d", sink.Warns, len(sink.Records()), len(want.Records()))
	}
}
