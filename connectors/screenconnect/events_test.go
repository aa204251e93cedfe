package screenconnect

import (
	"reflect"
	"strings"
	"testing"

	"github.com/custos-msp/custos/connectors/connectortest"
	fx "github.com/custos-msp/custos/fixtures/screenconnect"
	"github.com/custos-msp/custos/record"
)

func TestEvents_TechnicianActionsOfTheDemo(t *testing.T) {
	e := newEnv(t, options{})
	sink, next := mustPull(t, e.conn, "events", "")
	fab := e.ds.Session("FAB-SRV01")
	nw := e.ds.Session("NW-SRV01")
	cmd := e.ds.SessionEvents[4]
	tests := []struct {
		event  *fx.Event
		action string
		actor  string
		detail string
		attrs  map[string]string
	}{
		{cmd, "QueuedCommand", fx.Bob, "command (82 characters)", map[string]string{"session_id": fab.ID}},
		{e.ds.SessionEvents[6], "QueuedElevatedTool", fx.Alice, "toolbox item, elevated", map[string]string{"session_id": fab.ID}},
		{e.ds.SessionEvents[2], "QueuedUninstall", fx.Alice, "uninstall the agent", map[string]string{"session_id": e.ds.Session("CON-PC-003").ID}},
		{e.ds.ConnectionEvents[0], "SentFiles", fx.Alice, "files sent: 2",
			map[string]string{"session_id": fab.ID, "connection_id": e.ds.ConnectionEvents[0].ConnectionID}},
		{e.ds.ConnectionEvents[2], "SwitchedLogonSession", fx.Alice, "switched to backstage",
			map[string]string{"session_id": nw.ID, "connection_id": e.ds.ConnectionEvents[2].ConnectionID}},
	}
	got := events(sink)
	if len(got) != len(tests) {
		t.Errorf("%d events %q, want %d: chat, joins, acknowledgements, guest events, clipboard, deleted events and the Meeting's skipped",
			len(got), ids(sink.Records()), len(tests))
	}
	for _, tt := range tests {
		ev := got[tt.event.ID]
		if ev == nil {
			t.Errorf("%s missing", tt.action)
			continue
		}
		if ev.Kind != record.KindCommand || ev.Action != tt.action || ev.ActorRef != tt.actor || ev.Detail != tt.detail ||
			!reflect.DeepEqual(ev.Attributes, tt.attrs) || !ev.StartedAt.Equal(tt.event.Time) || ev.EndedAt != nil {
			t.Errorf("%s = %+v, want actor %q, detail %q, attributes %v, at %v", tt.action, ev, tt.actor, tt.detail, tt.attrs, tt.event.Time)
		}
		if ev.DeviceRef != tt.event.SessionID || ev.DeviceName == "" || ev.CustomerRef == "" {
			t.Errorf("%s: device %q %q, customer %q", tt.action, ev.DeviceRef, ev.DeviceName, ev.CustomerRef)
		}
	}
	// The command text (with a password) is only in Raw.
	c := got[cmd.ID]
	if strings.Contains(c.Detail, "Tr0ub4dor") || !strings.Contains(string(c.Raw), "Tr0ub4dor") {
		t.Errorf("command Detail %q / Raw %s: want the text only in Raw", c.Detail, c.Raw)
	}
	if got := cursorTime(t, next, "SessionEvent"); !got.Equal(cmd.Time) {
		t.Errorf("SessionEvent mark = %v, want the newest session event read %v", got, cmd.Time)
	}
	if got := cursorTime(t, next, "SessionConnectionEvent"); !got.Equal(e.ds.ConnectionEvents[2].Time) {
		t.Errorf("SessionConnectionEvent mark = %v, want the newest connection event read %v", got, e.ds.ConnectionEvents[2].Time)
	}
	if n := e.srv.Requests("/Script.ashx"); n != 1 {
		t.Errorf("%d requests for Script.ashx, want 1", n)
	}
	mustPull(t, e.conn, "events", next)
	if n := e.srv.Requests("/Script.ashx"); n != 1 {
		t.Errorf("%d requests for Script.ashx after a second pull, want 1 (the enum is kept)", n)
	}
}

func TestEvents_UnknownTypeKeptAndLoggedOnce(t *testing.T) {
	e := newEnv(t, options{ds: func(ds *fx.Dataset) {
		ds.EventTypes["QueuedTeleport"] = 120
		for i, id := range []string{"0c0c0c0c-0000-4000-8000-000000000001", "0c0c0c0c-0000-4000-8000-000000000002"} {
			ds.SessionEvents = append(ds.SessionEvents, &fx.Event{ID: id, SessionID: ds.Session("NW-SRV01").ID,
				Type: 120, Time: ds.SessionEvents[4].Time.Add(-time1(i)), Host: fx.Bob, Data: "secret"})
		}
	}})
	sink, _ := mustPull(t, e.conn, "events", "")
	for _, id := range []string{"0c0c0c0c-0000-4000-8000-000000000001", "0c0c0c0c-0000-4000-8000-000000000002"} {
		ev := events(sink)[id]
		if ev == nil || ev.Action != "QueuedTeleport" || ev.Detail != "event type QueuedTeleport" || ev.ActorRef != fx.Bob {
			t.Errorf("unknown event %s = %+v, want kept as QueuedTeleport", id, ev)
		}
	}
	mustPull(t, e.conn, "events", "")
	if n := strings.Count(e.logs.String(), `"event_type":"QueuedTeleport"`); n != 1 {
		t.Errorf("unknown type logged %d times, want once: %s", n, e.logs.String())
	}
}

func TestEvents_BuiltInEnumWhenScriptUnavailable(t *testing.T) {
	e := newEnv(t, options{})
	e.srv.Inject(fx.Fault{Path: "/Script.ashx", Status: 404})
	sink, _ := mustPull(t, e.conn, "events", "")
	if n := len(events(sink)); n != 5 {
		t.Errorf("%d events, want 5 with the built-in enum", n)
	}
	connectortest.MustContain(t, e.logs.String(), "built-in")
}

func TestEventTypes_Resolve(t *testing.T) {
	types := builtinEventTypes()
	tests := []struct{ raw, want string }{
		{`"QueuedCommand"`, "QueuedCommand"},
		{`44`, "QueuedCommand"},
		{`"44"`, "QueuedCommand"},
		{`"RequestedAdministrativeLogon"`, "RequestedAdministrativeLogon"},
		{`999`, "EventType999"},
	}
	for _, tt := range tests {
		if got, err := types.resolve([]byte(tt.raw)); err != nil || got != tt.want {
			t.Errorf("resolve(%s) = %q, %v; want %q", tt.raw, got, err, tt.want)
		}
	}
	for _, bad := range []string{`null`, `""`, `{}`, `not json`} {
		if _, err := types.resolve([]byte(bad)); err == nil {
			t.Errorf("resolve(%s) succeeded, want an error", bad)
		}
	}
}

func TestParseScriptEventTypes(t *testing.T) {
	tests := []struct {
		name, js string
		want     map[string]int
	}{
		{"object literal as a 21.13 server writes it",
			`SC = {"service":{"F":function (a) {` + "\n" + `return 1;` + "\n" + `}},"types":{"ProcessType":{"Unknown":0,"Host":1},"SessionEventType":{"None":0,"QueuedCommand":44}}};`,
			map[string]int{"None": 0, "QueuedCommand": 44}},
		{"assignment with unquoted keys",
			"SC.types.SessionEventType = {\n  None: 0,\n  QueuedSilentElevatedTool: 102, 'SentFiles': 86\n};",
			map[string]int{"None": 0, "QueuedSilentElevatedTool": 102, "SentFiles": 86}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseScriptEventTypes([]byte(tt.js))
			if err != nil || !reflect.DeepEqual(got.byName, tt.want) {
				t.Errorf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	for _, bad := range []string{`SC = {"types":{}}`, `SC.types.SessionEventType = {`, `SessionEventType: {}`} {
		if _, err := parseScriptEventTypes([]byte(bad)); err == nil {
			t.Errorf("parseScriptEventTypes(%q) succeeded, want an error", bad)
		}
	}
}

func TestEventTypes_WantedKeepsUnknownNames(t *testing.T) {
	types := newEventTypes(map[string]int{"QueuedCommand": 44, "QueuedMessage": 45, "SentFiles": 86, "Teleported": 130})
	if got, want := types.wanted(sessionLevel), []string{"QueuedCommand", "Teleported"}; !reflect.DeepEqual(got, want) {
		t.Errorf("session level = %q, want %q", got, want)
	}
	if got, want := types.wanted(connectionLevel), []string{"SentFiles", "Teleported"}; !reflect.DeepEqual(got, want) {
		t.Errorf("connection level = %q, want %q", got, want)
	}
}
