package dattormm

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/connectortest"
	"github.com/custos-msp/custos/duration"
	fx "github.com/custos-msp/custos/fixtures/dattormm"
	"github.com/custos-msp/custos/fixtures/fakehttp"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/vocab"
)

// Activity ids of the demo dataset.
const (
	actJrtoConPC001   = "a7c4e1d2-0001-4c3b-9e8f-5f0000000001"
	actChatConPC002   = "a7c4e1d2-0002-4c3b-9e8f-5f0000000002"
	actJrtoFabSrv01   = "a7c4e1d2-0003-4c3b-9e8f-5f0000000003"
	actDeploymentNW   = "a7c4e1d2-0005-4c3b-9e8f-5f0000000005"
	actWebRemote      = "a7c4e1d2-0006-4c3b-9e8f-5f0000000006"
	actJrtoRecent     = "a7c4e1d2-0007-4c3b-9e8f-5f0000000007"
	actScheduledJob   = "a7c4e1d2-0008-4c3b-9e8f-5f0000000008"
	actQuickJobFab    = "a7c4e1d2-000b-4c3b-9e8f-5f000000000b"
	storedActivityIDs = 8
)

// storedIDs are the activities stored as access events, oldest first.
var storedIDs = []string{
	actJrtoConPC001, actChatConPC002, actJrtoFabSrv01, actDeploymentNW,
	actWebRemote, actJrtoRecent, actScheduledJob, actQuickJobFab,
}

func events(s *connectortest.Sink) map[string]*record.AccessEvent {
	out := map[string]*record.AccessEvent{}
	for _, r := range s.Records() {
		ev := r.(*record.AccessEvent)
		out[ev.SourceID] = ev
	}
	return out
}

// detailMillis reads a date inside an activity's details.
func detailMillis(t *testing.T, ds *fx.Dataset, id, key string) time.Time {
	t.Helper()
	n, ok := ds.Activity(id).Details()[key].(json.Number)
	if !ok {
		t.Fatalf("activity %s has no %s", id, key)
	}
	v, _ := n.Int64()
	return time.UnixMilli(v).UTC()
}

func TestActivity_AccessEvents(t *testing.T) {
	e := newDemoEnv(t, nil)
	sink, _ := e.mustPull(t, "activity", "")
	if got := sink.IDs(); !reflect.DeepEqual(got, storedIDs) {
		t.Fatalf("activities stored = %v, want %v", got, storedIDs)
	}
	evs := events(sink)
	ended := detailMillis(t, e.ds, actJrtoConPC001, "remote_session.end_date")
	webStart := detailMillis(t, e.ds, actWebRemote, "remote_session.start_date")
	tests := []struct {
		id   string
		want record.AccessEvent
	}{
		{actJrtoConPC001, record.AccessEvent{
			Kind: record.KindRemoteSession, Action: "remote/jrto",
			StartedAt: detailMillis(t, e.ds, actJrtoConPC001, "remote_session.start_date"), EndedAt: &ended,
			CustomerRef: "611204", ActorRef: "asmith", ActorName: "Alice Smith", DeviceRef: "2284101", DeviceName: "CON-PC-001",
			SourceIP: "203.0.113.24", Attributes: map[string]string{"remote_session_id": "88412", "remote_session_type": "rdp"},
		}},
		{actJrtoFabSrv01, record.AccessEvent{
			Kind: record.KindRemoteSession, Action: "remote/jrto",
			StartedAt:   detailMillis(t, e.ds, actJrtoFabSrv01, "remote_session.start_date"),
			CustomerRef: "611205", ActorRef: "bjones", ActorName: "Bob Jones", DeviceRef: "2284201", DeviceName: "FAB-SRV01",
			SourceIP: "198.51.100.77", Attributes: map[string]string{"remote_session_id": "88733", "remote_session_type": "rdp", "session_end": "not_logged"},
		}},
		// No top-level user: the actor comes from camelCase detail keys.
		{actWebRemote, record.AccessEvent{
			Kind: record.KindRemoteSession, Action: "web.remote/rto", StartedAt: webStart,
			CustomerRef: "611207", ActorRef: "bjones", ActorName: "Bob Jones", DeviceRef: "2284301", DeviceName: "NW-SRV01",
			SourceIP: "198.51.100.77", Attributes: map[string]string{"remote_session_id": "90117", "remote_session_type": "web_rto", "session_end": "not_logged"},
		}},
		{actDeploymentNW, record.AccessEvent{
			Kind: record.KindCommand, Action: "job/deployment", StartedAt: e.ds.Activity(actDeploymentNW).Date(),
			CustomerRef: "611207", ActorRef: "cdavis", ActorName: "Carol Davis", DeviceRef: "2284307", DeviceName: "NW-PC-007",
			SourceIP: "192.0.2.15", Detail: "Install Windows Updates",
			Attributes: map[string]string{"job_uid": "5e2c8b1a-7d3f-4a6e-b9c0-1f2e3d4c5b61", "job_status": "completed"},
		}},
		// A scheduled job: no top-level user, lower-case detail keys.
		{actScheduledJob, record.AccessEvent{
			Kind: record.KindCommand, Action: "job/deployment", StartedAt: e.ds.Activity(actScheduledJob).Date(),
			CustomerRef: "611207", ActorRef: "cdavis", ActorName: "Carol Davis", DeviceRef: "2284307", DeviceName: "NW-PC-007",
			Detail:     "Clear Temp Files",
			Attributes: map[string]string{"job_uid": "6f3d9c2b-8e4a-4b7f-a0d1-2a3b4c5d6e72", "job_status": "completed"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			ev := evs[tt.id]
			if ev == nil {
				t.Fatal("not emitted")
			}
			got := *ev
			if !strings.Contains(string(got.Raw), `"id":"`+tt.id+`"`) || !strings.Contains(string(got.Raw), `"details":"{`) {
				t.Errorf("Raw = %s, want the activity as received", got.Raw)
			}
			got.Raw = nil
			want := tt.want
			want.Source, want.SourceID = "dattormm", tt.id
			if !reflect.DeepEqual(got, want) {
				t.Errorf("event =\n%+v, want\n%+v", got, want)
			}
		})
	}
	// Activity dates are epoch seconds, with a fraction at times.
	if got, want := evs[actJrtoRecent].StartedAt, detailMillis(t, e.ds, actJrtoRecent, "remote_session.start_date"); !got.Equal(want) {
		t.Errorf("StartedAt = %v, want %v", got, want)
	}
	if d := e.now.Sub(evs[actQuickJobFab].StartedAt); d < 29*time.Minute || d > 31*time.Minute {
		t.Errorf("quick job started %v ago, want 30m", d)
	}
}

func TestActivity_UnknownCombinationLoggedOnce(t *testing.T) {
	e := newDemoEnv(t, nil)
	e.mustPull(t, "activity", "")
	e.mustPull(t, "activity", "")
	logs := e.logs.String()
	if n := strings.Count(logs, "DEVICE/device/reboot"); n != 1 {
		t.Errorf("unknown combination logged %d times, want once: %s", n, logs)
	}
	for _, known := range []string{"USER/account/login", "DEVICE/job/create"} {
		if strings.Contains(logs, known) {
			t.Errorf("known combination %s logged as unknown", known)
		}
	}
}

func TestActivity_QuerySendsWindowAndFilters(t *testing.T) {
	var seen []string
	e := newDemoEnv(t, func(c *config.DattoRMM) { c.PageSize = 3 })
	e.srv.Inject(fakehttp.Fault{Path: fx.ActivityPath, Match: func(r *http.Request) bool {
		seen = append(seen, r.URL.RawQuery)
		return false
	}})
	e.mustPull(t, "activity", "")
	if len(seen) != 4 {
		t.Fatalf("%d requests, want 4 (11 activities, 3 a page)", len(seen))
	}
	for i, raw := range seen {
		q, _ := url.ParseQuery(raw)
		for _, k := range []string{"from", "until", "order", "size", "entities"} {
			if q.Get(k) == "" {
				t.Errorf("request %d lacks %s: %s", i+1, k, raw)
			}
		}
		if q.Get("order") != "asc" || q.Get("size") != "3" || q.Get("entities") != "device,user" {
			t.Errorf("request %d = %s, want order=asc, size=3, entities=device,user", i+1, raw)
		}
		if i > 0 && (q.Get("searchAfter") == "" || q.Get("page") != "next") {
			t.Errorf("request %d = %s, want the next page's searchAfter", i+1, raw)
		}
	}
	first, _ := url.ParseQuery(seen[0])
	from, err := time.Parse(queryTime, first.Get("from"))
	if err != nil || e.now.Sub(from) < 30*24*time.Hour-time.Minute || e.now.Sub(from) > 30*24*time.Hour+time.Minute {
		t.Errorf("first from = %q, want now − 30d (the lookback)", first.Get("from"))
	}
}

func TestActivity_PagesToTheLastPage(t *testing.T) {
	e := newDemoEnv(t, func(c *config.DattoRMM) { c.PageSize = 3 })
	sink, final := e.mustPull(t, "activity", "")
	if got := sink.IDs(); !reflect.DeepEqual(got, storedIDs) {
		t.Errorf("stored = %v, want %v (the next-page links drop from, entities and order, which must be added back)", got, storedIDs)
	}
	if len(sink.Pages) != 4 {
		t.Fatalf("%d pages, want 4", len(sink.Pages))
	}
	var prev time.Time
	for i, p := range sink.Pages {
		var cur activityCursor
		if err := json.Unmarshal([]byte(p.Next), &cur); err != nil {
			t.Fatalf("page %d cursor %q: %v", i+1, p.Next, err)
		}
		if cur.Newest.Before(prev) {
			t.Errorf("page %d cursor %v goes back from %v", i+1, cur.Newest, prev)
		}
		prev = cur.Newest
	}
	if final != sink.LastCursor() {
		t.Errorf("returned cursor %q, want the last page's %q", final, sink.LastCursor())
	}
	if want := e.ds.Activity(actQuickJobFab).Date(); !prev.Equal(want) {
		t.Errorf("final cursor = %v, want the newest activity's date %v", prev, want)
	}
}

func TestActivity_RepullReadsOnlyTheOverlap(t *testing.T) {
	tests := []struct {
		overlap time.Duration
		want    []string
	}{
		{15 * time.Minute, []string{actQuickJobFab}},
		{3 * 24 * time.Hour, []string{actScheduledJob, actQuickJobFab}},
	}
	for _, tt := range tests {
		t.Run(tt.overlap.String(), func(t *testing.T) {
			e := newDemoEnv(t, func(c *config.DattoRMM) { c.Overlap = duration.Duration(tt.overlap) })
			_, cursor := e.mustPull(t, "activity", "")
			again, next := e.mustPull(t, "activity", cursor)
			if got := again.IDs(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("re-pull = %v, want %v", got, tt.want)
			}
			if next != cursor {
				t.Errorf("cursor moved from %q to %q with nothing new", cursor, next)
			}
		})
	}
}

func TestActivity_EmptyWindowEndsAtUntil(t *testing.T) {
	e := newDemoEnv(t, func(c *config.DattoRMM) { c.Lookback = duration.Duration(10 * time.Minute) })
	sink, next := e.mustPull(t, "activity", "")
	if len(sink.Records()) != 0 || len(sink.Pages) != 1 {
		t.Fatalf("%d pages, %d records; want one empty page", len(sink.Pages), len(sink.Records()))
	}
	var cur activityCursor
	if err := json.Unmarshal([]byte(next), &cur); err != nil {
		t.Fatalf("cursor %q: %v", next, err)
	}
	if d := time.Since(cur.Newest); d < 0 || d > 5*time.Second {
		t.Errorf("cursor = %v, want the window's end (now)", cur.Newest)
	}
}

func TestActivity_UnreadableCursorReadsTheLookback(t *testing.T) {
	e := newDemoEnv(t, nil)
	sink, _ := e.mustPull(t, "activity", `{"newest":"yesterday"}`)
	if len(sink.Warns) != 1 || len(sink.Records()) != storedActivityIDs {
		t.Errorf("warnings %v, %d records; want one warning and all %d", sink.Warns, len(sink.Records()), storedActivityIDs)
	}
}

func TestActivity_FailedPageKeepsTheLastCursor(t *testing.T) {
	onPage2 := func(r *http.Request) bool { return r.URL.Query().Get("page") == "next" }
	tests := []struct {
		name        string
		fault       fakehttp.Fault
		wantOutcome vocab.Outcome
		wantText    string
	}{
		{"500", fakehttp.Fault{Status: 500}, vocab.OutcomeFailed, "HTTP 500"},
		{"504", fakehttp.Fault{Status: 504}, vocab.OutcomeFailed, "HTTP 504"},
		{"429 with Retry-After", fakehttp.Fault{Status: 429, RetryAfter: "0"}, vocab.OutcomeThrottled, "HTTP 429"},
		{"malformed", fakehttp.Fault{Malformed: true}, vocab.OutcomeFailed, "decoding the page"},
		{"truncated", fakehttp.Fault{Truncated: true}, vocab.OutcomeFailed, "reading"},
		{"timeout", fakehttp.Fault{Delay: 2 * time.Second}, vocab.OutcomeFailed, "timed out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newDemoEnv(t, func(c *config.DattoRMM) { c.PageSize = 3 })
			f := tt.fault
			f.Path, f.Match = fx.ActivityPath, onPage2
			e.srv.Inject(f)
			sink, _, err := e.pull(t, "activity", "", nil)
			if err == nil {
				t.Fatal("Pull succeeded, want an error")
			}
			connectortest.MustContain(t, err.Error(), "dattormm", "activity logs from", "page 2", "GET /api/v2/activity-logs", tt.wantText)
			if strings.Contains(err.Error(), "searchAfter") || strings.Contains(err.Error(), "?") {
				t.Errorf("error shows the query string: %v", err)
			}
			if got := connectors.Classify(err); got != tt.wantOutcome {
				t.Errorf("Classify = %q, want %q", got, tt.wantOutcome)
			}
			if len(sink.Pages) != 1 {
				t.Fatalf("%d pages accepted, want only the first", len(sink.Pages))
			}
			e.srv.ClearFaults()
			resumed, _ := e.mustPull(t, "activity", sink.LastCursor())
			all := append(sink.IDs(), resumed.IDs()...)
			for _, id := range storedIDs {
				if !slices.Contains(all, id) {
					t.Errorf("activity %s lost between the failed and the resumed pull", id)
				}
			}
		})
	}
}

func TestActivity_429ThenSuccess(t *testing.T) {
	e := newDemoEnv(t, nil)
	e.srv.Inject(fakehttp.Fault{Path: fx.ActivityPath, Status: 429, RetryAfter: "1", Times: 1})
	start := time.Now()
	sink, _ := e.mustPull(t, "activity", "")
	if len(sink.Records()) != storedActivityIDs {
		t.Errorf("%d records, want %d", len(sink.Records()), storedActivityIDs)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("pull took %v, want at least the Retry-After of 1s", d)
	}
}

func TestActivity_SinkErrorStopsPull(t *testing.T) {
	e := newDemoEnv(t, func(c *config.DattoRMM) { c.PageSize = 3 })
	_, _, err := e.pull(t, "activity", "", &connectortest.Sink{FailAfter: 1})
	if err == nil || !strings.Contains(err.Error(), "sink full") {
		t.Fatalf("err = %v, want the sink's error", err)
	}
	if n := e.srv.Requests(fx.ActivityPath); n != 2 {
		t.Errorf("%d requests, want 2 (none after the refused page)", n)
	}
}

// askedWindow is the from and until of the first activity request.
func askedWindow(t *testing.T, queries []url.Values) [2]time.Time {
	t.Helper()
	if len(queries) == 0 {
		t.Fatal("no activity request")
	}
	from, err1 := time.Parse(queryTime, queries[0].Get("from"))
	until, err2 := time.Parse(queryTime, queries[0].Get("until"))
	if err1 != nil || err2 != nil {
		t.Fatalf("first request's window: %v %v", err1, err2)
	}
	return [2]time.Time{from, until}
}

func TestActivity_CoversTheWindowItRead(t *testing.T) {
	onPage2 := func(r *http.Request) bool { return r.URL.Query().Get("page") == "next" }
	tests := []struct {
		name     string
		lookback time.Duration
		fail     bool
		// want are the windows' ends: "newest N" for the cursor's date after
		// page N, "until" for the window's end.
		want []string
	}{
		{"four pages", 30 * 24 * time.Hour, false, []string{"newest 1", "newest 2", "newest 3", "until"}},
		{"empty window", 10 * time.Minute, false, []string{"until"}},
		{"page 2 fails", 30 * 24 * time.Hour, true, []string{"newest 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newDemoEnv(t, func(c *config.DattoRMM) {
				c.PageSize = 3
				c.Lookback = duration.Duration(tt.lookback)
			})
			asked := connectortest.Queries(e.srv, fx.ActivityPath)
			if tt.fail {
				e.srv.Inject(fakehttp.Fault{Path: fx.ActivityPath, Match: onPage2, Status: 500})
			}
			sink, _, err := e.pull(t, "activity", "", nil)
			if (err != nil) != tt.fail {
				t.Fatalf("err = %v, want failure %v", err, tt.fail)
			}
			w := askedWindow(t, asked())
			var want [][2]time.Time
			for _, end := range tt.want {
				to := w[1]
				if page := 0; end != "until" {
					_, _ = fmt.Sscanf(end, "newest %d", &page)
					var cur activityCursor
					if err := json.Unmarshal([]byte(sink.Pages[page-1].Next), &cur); err != nil {
						t.Fatalf("page %d cursor: %v", page, err)
					}
					to = cur.Newest
				}
				want = append(want, [2]time.Time{w[0], to})
			}
			if got := sink.Spans(); !reflect.DeepEqual(got, want) {
				t.Errorf("windows = %v, want %v", got, want)
			}
			for i, win := range sink.Windows {
				if win.AfterPages != i+1 {
					t.Errorf("window %d reported after %d pages, want %d (after its page)", i+1, win.AfterPages, i+1)
				}
			}
		})
	}
}
