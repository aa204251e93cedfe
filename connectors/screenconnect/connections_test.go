package screenconnect

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/duration"
	fx "github.com/custos-msp/custos/fixtures/screenconnect"
	"github.com/custos-msp/custos/record"
)

// hostConnections are the demo's Host connections to Support and Access sessions.
func hostConnections(ds *fx.Dataset) []string {
	var out []string
	for _, c := range ds.Connections {
		if c.ProcessType == "Host" && sessionType(ds, c.SessionID) != "Meeting" {
			out = append(out, c.ID)
		}
	}
	slices.Sort(out)
	return out
}

func sessionType(ds *fx.Dataset, id string) string {
	for _, s := range ds.Sessions {
		if s.ID == id {
			return s.Type
		}
	}
	return ""
}

func cursorTime(t *testing.T, c connectors.Cursor, report string) time.Time {
	t.Helper()
	var m map[string]time.Time
	if err := json.Unmarshal([]byte(c), &m); err != nil {
		t.Fatalf("cursor %q: %v", c, err)
	}
	return m[report]
}

func TestConnections_RecordsOfTheDemo(t *testing.T) {
	e := newEnv(t, options{})
	sink, _ := mustPull(t, e.conn, "connections", "")
	if got, want := ids(sink.Records()), hostConnections(e.ds); !reflect.DeepEqual(got, want) {
		t.Fatalf("connections = %q, want the Host connections %q", got, want)
	}
	fab := e.ds.Session("FAB-SRV01")
	conns := e.ds.ConnectionsOf(fab.ID)
	alice, open := conns[2], conns[4]
	got := *events(sink)[alice.ID]
	got.Raw = nil
	want := record.AccessEvent{
		Source: "screenconnect", SourceID: alice.ID, Kind: record.KindRemoteSession, Action: "Connected",
		StartedAt: alice.Connected, EndedAt: alice.Disconnected, CustomerRef: "Fabrikam, Inc.", ActorRef: fx.Alice,
		DeviceRef: fab.ID, DeviceName: "FAB-SRV01", SourceIP: "203.0.113.10",
		Attributes: map[string]string{"session_id": fab.ID, "session_type": "Access"},
	}
	if !got.StartedAt.Equal(want.StartedAt) || got.EndedAt == nil || !got.EndedAt.Equal(*want.EndedAt) {
		t.Errorf("times = %v–%v, want %v–%v", got.StartedAt, got.EndedAt, want.StartedAt, want.EndedAt)
	}
	got.StartedAt, got.EndedAt = want.StartedAt, want.EndedAt
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Alice's connection = %+v, want %+v", got, want)
	}
	if ev := events(sink)[open.ID]; ev.EndedAt != nil || ev.ActorRef != fx.Bob {
		t.Errorf("Bob's open connection = %+v, want EndedAt nil", ev)
	}
	if ev := events(sink)[e.ds.ConnectionsOf(e.ds.Session("LAB-PC-07").ID)[0].ID]; ev.CustomerRef != "" || ev.ActorRef != fx.HelpdeskTemp {
		t.Errorf("LAB-PC-07 connection = %+v, want no customer, actor helpdesk-temp", ev)
	}
}

func TestConnections_CursorHeldAtOpenConnectionUntilItCloses(t *testing.T) {
	e := newEnv(t, options{})
	open := e.ds.ConnectionsOf(e.ds.Session("FAB-SRV01").ID)[4]
	_, next := mustPull(t, e.conn, "connections", "")
	if got := cursorTime(t, next, "SessionConnection"); !got.Equal(open.Connected) {
		t.Fatalf("cursor = %v, want the open connection's start %v", got, open.Connected)
	}
	again, next2 := mustPull(t, e.conn, "connections", next)
	if ev := events(again)[open.ID]; ev == nil || ev.EndedAt != nil {
		t.Fatalf("re-pull: open connection = %+v, want it read again, still open", ev)
	}
	if next2 != next {
		t.Errorf("cursor moved from %q to %q while the connection is open", next, next2)
	}

	closed := e.now.Add(-time.Minute).Truncate(100 * time.Nanosecond)
	open.Disconnected = &closed
	after, next3 := mustPull(t, e.conn, "connections", next2)
	if ev := events(after)[open.ID]; ev == nil || ev.EndedAt == nil || !ev.EndedAt.Equal(closed) {
		t.Fatalf("after it closed: %+v, want EndedAt %v", ev, closed)
	}
	if got := cursorTime(t, next3, "SessionConnection"); !got.Equal(open.Connected) {
		t.Errorf("cursor = %v, want the newest start %v", got, open.Connected)
	}
}

func TestConnections_RepullBringsOnlyTheOverlap(t *testing.T) {
	e := newEnv(t, options{cfg: func(c *config.ScreenConnect) { c.Overlap = 0 }})
	e.ds.ConnectionsOf(e.ds.Session("FAB-SRV01").ID)[4].Disconnected = &e.now
	first, next := mustPull(t, e.conn, "connections", "")
	newest := cursorTime(t, next, "SessionConnection")
	second, _ := mustPull(t, e.conn, "connections", next)
	// With no overlap only the connection at the cursor itself is read again.
	var want []string
	for _, r := range first.Records() {
		if !r.(*record.AccessEvent).StartedAt.Before(newest) {
			want = append(want, r.RecordKey().SourceID)
		}
	}
	if got := ids(second.Records()); len(got) != 1 || !reflect.DeepEqual(got, want) {
		t.Errorf("re-pull = %q, want only %q", got, want)
	}

	e2 := newEnv(t, options{cfg: func(c *config.ScreenConnect) { c.Overlap = duration.Duration(30 * time.Hour) }})
	e2.ds.ConnectionsOf(e2.ds.Session("FAB-SRV01").ID)[4].Disconnected = &e2.now
	full, next := mustPull(t, e2.conn, "connections", "")
	overlap, _ := mustPull(t, e2.conn, "connections", next)
	cut := cursorTime(t, next, "SessionConnection").Add(-30 * time.Hour)
	for _, r := range overlap.Records() {
		if r.(*record.AccessEvent).StartedAt.Before(cut) {
			t.Errorf("re-pull read %s from before the overlap", r.RecordKey().SourceID)
		}
	}
	if len(overlap.Records()) < 2 || len(overlap.Records()) >= len(full.Records()) {
		t.Errorf("re-pull read %d of %d connections, want those within 30 hours", len(overlap.Records()), len(full.Records()))
	}
}
