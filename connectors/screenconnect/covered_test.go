package screenconnect

import (
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors/connectortest"
	fx "github.com/custos-msp/custos/fixtures/screenconnect"
)

// filterWindow reads the window of a report's Filter: field >= 'from' AND field < 'to'.
var filterWindow = regexp.MustCompile(`(\w+) >= '([^']+)' AND (\w+) < '([^']+)'`)

// askedWindows are the windows of the reports of type typ the fake was asked for.
func askedWindows(t *testing.T, queries []url.Values, typ string) [][2]time.Time {
	t.Helper()
	var out [][2]time.Time
	for _, q := range queries {
		if q.Get("ReportType") != typ {
			continue
		}
		m := filterWindow.FindStringSubmatch(q.Get("Filter"))
		if m == nil {
			t.Fatalf("%s Filter %q has no window", typ, q.Get("Filter"))
		}
		from, err1 := time.Parse(filterTime, m[2])
		to, err2 := time.Parse(filterTime, m[4])
		if err1 != nil || err2 != nil {
			t.Fatalf("%s Filter %q: %v %v", typ, m[0], err1, err2)
		}
		out = append(out, [2]time.Time{from, to})
	}
	return out
}

// fixedClock sets the connector's clock to a whole second, so that the windows it
// asks for are exactly the windows it reads.
func fixedClock(e *env) time.Time {
	now := e.now.Truncate(time.Second)
	e.conn.now = func() time.Time { return now }
	return now
}

func TestConnections_CoverWhatTheReportsHandedOver(t *testing.T) {
	for _, limit := range []int{0, 3} {
		t.Run("item_limit "+map[int]string{0: "default", 3: "3"}[limit], func(t *testing.T) {
			e := newEnv(t, options{cfg: func(c *config.ScreenConnect) {
				if limit > 0 {
					c.ItemLimit = limit
				}
			}})
			now := fixedClock(e)
			asked := connectortest.Queries(e.srv, "/Report.json")
			sink, _ := mustPull(t, e.conn, "connections", "")
			ws := askedWindows(t, asked(), "SessionConnection")
			got := sink.Spans()
			if len(got) == 0 || got[len(got)-1] != ws[0] || !ws[0][1].Equal(now) {
				t.Fatalf("windows = %v, want them to end with the whole window asked for first, %v", got, ws[0])
			}
			if limit > 0 && len(got) < 2 {
				t.Errorf("windows = %v, want one per split window read", got)
			}
			for _, g := range got {
				if !g[0].Equal(ws[0][0]) || !slices.ContainsFunc(ws, func(w [2]time.Time) bool { return w[1].Equal(g[1]) }) {
					t.Errorf("window %v does not run from the pull's start to the end of a window asked for (%v)", g, ws)
				}
			}
		})
	}
}

// A pull that fails covers the split windows read before the failure, as far as the
// next pull, starting from its cursor less the overlap, takes over without a gap.
func TestConnections_FailureCoversOnlyTheWindowsRead(t *testing.T) {
	e := newEnv(t, options{cfg: smallPages})
	now := fixedClock(e)
	asked := connectortest.Queries(e.srv, "/Report.json")
	sink := &connectortest.Sink{AfterPage: func(n int) {
		if n == 1 {
			e.srv.Inject(fx.Fault{Path: "/Report.json", Query: map[string]string{"ReportType": "SessionConnection"}, Status: 500})
		}
	}}
	if _, err := pullInto(t, e.conn, "connections", "", sink); err == nil {
		t.Fatal("Pull succeeded, want an error")
	}
	got := sink.Spans()
	ws := askedWindows(t, asked(), "SessionConnection")
	if len(got) == 0 {
		t.Fatal("no window covered, want those read before the failure")
	}
	last := got[len(got)-1]
	for _, g := range got {
		if !g[0].Equal(ws[0][0]) || !slices.ContainsFunc(ws[1:], func(w [2]time.Time) bool { return w[1].Equal(g[1]) }) {
			t.Errorf("window %v does not run from the pull's start to the end of a split window (%v)", g, ws)
		}
	}
	if !last[1].Before(now) {
		t.Errorf("the failed pull covered up to %v, its whole window", last[1])
	}
	e.srv.ClearFaults()
	rest, _ := mustPull(t, e.conn, "connections", sink.LastCursor())
	next := rest.Spans()
	if len(next) == 0 || next[0][0].After(last[1]) || !next[len(next)-1][1].Equal(now) {
		t.Errorf("resumed pull covered %v after %v: want no gap and the rest up to %v", next, last, now)
	}
}

func TestEvents_CoverWhatBothReportsHandedOver(t *testing.T) {
	tests := []struct {
		name string
		// fail makes this report fail.
		fail string
		want bool
	}{
		{"both read", "", true},
		{"session events fail", "SessionEvent", false},
		{"connection events fail", "SessionConnectionEvent", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, options{})
			fixedClock(e)
			asked := connectortest.Queries(e.srv, "/Report.json")
			if tt.fail != "" {
				e.srv.Inject(fx.Fault{Path: "/Report.json", Query: map[string]string{"ReportType": tt.fail}, Status: 500})
			}
			sink, _, err := pull(t, e.conn, "events", "")
			if (err == nil) != (tt.fail == "") {
				t.Fatalf("err = %v, want failure of %q", err, tt.fail)
			}
			var want [][2]time.Time
			if tt.want {
				want = askedWindows(t, asked(), "SessionConnectionEvent")
			}
			if got := sink.Spans(); !reflect.DeepEqual(got, want) {
				t.Errorf("windows = %v, want %v", got, want)
			}
		})
	}
}

func TestSessionDB_CoversWhatItHandedOver(t *testing.T) {
	e := newEnv(t, options{cfg: smallPages})
	c := e.dbConnector(t)
	now := e.now.Truncate(time.Second)
	c.now = func() time.Time { return now }
	start := now.Add(-c.cfg.Lookback.Std())
	for _, stream := range []string{"connections", "events"} {
		t.Run(stream, func(t *testing.T) {
			sink, _ := mustPull(t, c, stream, "")
			got := sink.Spans()
			if len(got) == 0 || got[len(got)-1] != [2]time.Time{start, now} {
				t.Fatalf("windows = %v, want them to end with the whole window %v – %v", got, start, now)
			}
			for i, g := range got[:len(got)-1] {
				if !g[0].Equal(start) || g[1].After(got[i+1][1]) {
					t.Errorf("window %d, %v, does not start at %v or goes past the next", i, g, start)
				}
			}
		})
	}
}
