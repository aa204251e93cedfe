package m365_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/connectortest"
	"github.com/custos-msp/custos/fixtures/fakehttp"
	"github.com/custos-msp/custos/fixtures/graph"
)

// filterWindow reads the window of a "field ge T1 and field le T2" $filter.
var filterWindow = regexp.MustCompile(`^(\w+) ge (\S+) and (\w+) le (\S+)$`)

// askedWindow is the window of the first query's $filter.
func askedWindow(t *testing.T, queries []url.Values) [2]time.Time {
	t.Helper()
	if len(queries) == 0 {
		t.Fatal("the fake was asked nothing")
	}
	m := filterWindow.FindStringSubmatch(queries[0].Get("$filter"))
	if m == nil {
		t.Fatalf("$filter %q is not a window", queries[0].Get("$filter"))
	}
	from, err1 := time.Parse(time.RFC3339, m[2])
	to, err2 := time.Parse(time.RFC3339, m[4])
	if err1 != nil || err2 != nil {
		t.Fatalf("$filter %q: %v %v", m[0], err1, err2)
	}
	return [2]time.Time{from, to}
}

func TestStreams_CoverTheWindowTheyRead(t *testing.T) {
	tests := []struct {
		stream, path string
		scope        connectors.Scope
		// failPage fails this page of the listing (0: none).
		failPage int
	}{
		{"signins", "/beta/auditLogs/signIns", connectors.Scope{ID: graph.ContosoTenant}, 0},
		{"signins", "/beta/auditLogs/signIns", connectors.Scope{ID: graph.ContosoTenant}, 2},
		{"directoryaudits", "/v1.0/auditLogs/directoryAudits", connectors.Scope{ID: graph.ContosoTenant}, 0},
		{"directoryaudits", "/v1.0/auditLogs/directoryAudits", connectors.Scope{ID: graph.ContosoTenant}, 1},
		{"rmmreports", "/v1.0/users/" + graph.DemoMailbox + "/mailFolders/inbox/messages", connectors.Scope{ID: graph.DemoMailbox}, 0},
		{"rmmreports", "/v1.0/users/" + graph.DemoMailbox + "/mailFolders/inbox/messages", connectors.Scope{ID: graph.DemoMailbox}, 2},
	}
	for _, tc := range tests {
		for _, from := range []string{"", "cursor"} {
			name := tc.stream + " from " + from
			if tc.failPage > 0 {
				name += ", failing page"
			}
			t.Run(name, func(t *testing.T) {
				e := newEnv(t)
				e.graph.SetPageSize(1)
				asked := connectortest.Queries(e.graph.Faults(), tc.path)
				if tc.failPage > 0 {
					page := 0
					e.graph.Faults().Inject(fakehttp.Fault{Path: tc.path, Match: func(*http.Request) bool {
						page++
						return page == tc.failPage
					}, Status: http.StatusBadRequest})
				}
				var cursor connectors.Cursor
				if from != "" {
					cursor = connectors.Cursor(e.now.Add(-40 * 24 * time.Hour).Format(time.RFC3339))
				}
				sink, _, err := e.pull(t, tc.stream, tc.scope, cursor)
				got := sink.Spans()
				if tc.failPage > 0 {
					if err == nil {
						t.Fatal("the failing page did not fail the pull")
					}
					if len(got) != 0 {
						t.Errorf("windows = %v, want none: the listing is newest first, so no part of it is finished", got)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				want := askedWindow(t, asked())
				if len(got) != 1 || got[0] != want {
					t.Errorf("windows = %v, want the window asked for, %v", got, want)
				}
				if n := len(sink.Windows); n > 0 && sink.Windows[n-1].AfterPages != len(sink.Pages) {
					t.Errorf("the window was reported after %d of %d pages", sink.Windows[n-1].AfterPages, len(sink.Pages))
				}
			})
		}
	}
}
