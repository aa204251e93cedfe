package autotask

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/duration"
	fx "github.com/custos-msp/custos/fixtures/autotask"
	"github.com/custos-msp/custos/record"
)

func ptime(t time.Time) *time.Time { return &t }

func TestTickets_DemoAuthorisations(t *testing.T) {
	e := newEnv(t)
	sink, _ := e.mustPull(t, "tickets", "")
	grace := 24 * time.Hour
	want := map[string]record.Authorisation{
		"note:9001": {
			Source: "autotask", SourceID: "note:9001", CustomerRef: "29683501", TechnicianRef: "29682885", DeviceRef: "40101",
			Scope: "any", ValidFrom: e.ago(72 * time.Hour), ValidTo: ptime(e.ago(48 * time.Hour).Add(grace)),
			GrantedBy: "Jane Doe", GrantedByRef: "30101", Evidence: "Autotask ticket T20261028.0001, note 9001",
			RecordedBy: "29682885", RecordedAt: e.ago(72 * time.Hour),
		},
		"note:9004": {
			Source: "autotask", SourceID: "note:9004", CustomerRef: "29683503", TechnicianRef: "29682886", DeviceRef: "40301",
			Scope: "any", ValidFrom: e.ago(38*time.Hour + 40*time.Minute),
			GrantedBy: "omar.haddad@northwind.example", GrantedByRef: "30301", Evidence: "Autotask ticket T20261030.0004, note 9004",
			RecordedBy: "29682886", RecordedAt: e.ago(38*time.Hour + 40*time.Minute),
		},
		"note:9005": {
			Source: "autotask", SourceID: "note:9005", CustomerRef: "29683501", TechnicianRef: "29682885",
			Scope: "any", ValidFrom: e.ago(15*time.Hour + 55*time.Minute), ValidTo: ptime(e.ago(12 * time.Hour).Add(grace)),
			GrantedBy: "Tom Reed", GrantedByRef: "30102", Evidence: "Autotask ticket T20261031.0002, note 9005",
			RecordedBy: "29682885", RecordedAt: e.ago(15*time.Hour + 55*time.Minute),
		},
		"ticket:7004": {
			Source: "autotask", SourceID: "ticket:7004", CustomerRef: "29683502",
			Scope: "any", ValidFrom: e.ago(5*24*time.Hour + 14*time.Hour), ValidTo: ptime(e.ago(5*24*time.Hour + 8*time.Hour).Add(grace)),
			GrantedBy: "Priya Shah <priya.shah@fabrikam.example>", GrantedByRef: "30201", Evidence: "Autotask ticket T20261026.0007",
			RecordedBy: "29682885", RecordedAt: e.ago(5*24*time.Hour + 14*time.Hour),
		},
	}
	got := authorisations(sink)
	if len(got) != len(want) {
		t.Errorf("authorisations %v, want %d: system note 9002, notes 9003 and 9006 carry none", keys[*record.Authorisation](sink.Records()), len(want))
	}
	for id, w := range want {
		g, ok := got[id]
		if !ok {
			t.Errorf("no authorisation %s", id)
			continue
		}
		if len(g.Raw) == 0 {
			t.Errorf("%s: no raw payload", id)
		}
		c := *g
		c.Raw = nil
		if !reflect.DeepEqual(c, w) {
			t.Errorf("%s =\n%+v\nwant\n%+v", id, c, w)
		}
	}
	var endpoints []record.Endpoint
	for _, r := range sink.Records() {
		if ep, ok := r.(*record.Endpoint); ok {
			c := *ep
			c.Raw = nil
			endpoints = append(endpoints, c)
		}
	}
	wantEP := []record.Endpoint{
		{Source: "autotask", SourceID: "40101", CustomerRef: "29683501", Hostname: "CON-PC-001", Serial: "5CG1234XYZ"},
		{Source: "autotask", SourceID: "40301", CustomerRef: "29683503", Hostname: "NW-SRV01", Serial: "CZ2145R7KD"},
	}
	if !reflect.DeepEqual(endpoints, wantEP) {
		t.Errorf("endpoints = %+v\nwant %+v", endpoints, wantEP)
	}
	if len(sink.Warns) != 0 {
		t.Errorf("warnings: %v", sink.Warns)
	}
}

func TestTickets_EndpointPrecedesItsAuthorisationInThePage(t *testing.T) {
	e := newEnv(t)
	sink, _ := e.mustPull(t, "tickets", "")
	for _, p := range sink.Pages {
		seen := map[string]bool{}
		for _, r := range p.Records {
			switch v := r.(type) {
			case *record.Endpoint:
				seen[v.SourceID] = true
			case *record.Authorisation:
				if v.DeviceRef != "" && !seen[v.DeviceRef] {
					t.Errorf("%s names device %s, which its page did not emit before it", v.SourceID, v.DeviceRef)
				}
			}
		}
	}
}

func TestTickets_CursorIsNewestActivity(t *testing.T) {
	e := newEnv(t)
	_, next := e.mustPull(t, "tickets", "")
	var cur ticketCursor
	if err := json.Unmarshal([]byte(next), &cur); err != nil {
		t.Fatalf("cursor %q: %v", next, err)
	}
	// The newest lastActivityDate of the demo is ticket T20261031.0005's, at now − 9h30m.
	if want := e.ago(9*time.Hour + 30*time.Minute); !cur.Watermark.Equal(want) || cur.Window != nil {
		t.Errorf("cursor = %s, want watermark %v and no window", next, want)
	}
}

func TestTickets_RepullReadsOnlyTheOverlap(t *testing.T) {
	e := newEnv(t, withConfig(func(c *config.Autotask) { c.Overlap = duration.Duration(13 * time.Hour) }))
	first, next := e.mustPull(t, "tickets", "")
	second, again := e.mustPull(t, "tickets", next)
	// The overlap (13h before now − 9h30m) reaches ticket T20261031.0002 (completed
	// at now − 12h) and its note, and nothing older.
	if got := keys[*record.Authorisation](second.Records()); !reflect.DeepEqual(got, []string{"note:9005"}) {
		t.Errorf("re-pull emitted %v, want only note:9005", got)
	}
	if !reflect.DeepEqual(authorisations(first)["note:9005"], authorisations(second)["note:9005"]) {
		t.Error("the re-read authorisation differs from the first one")
	}
	if again != next {
		t.Errorf("cursor moved from %s to %s with nothing new", next, again)
	}
}

func TestTickets_ValidToSetWhenTicketCompletesLater(t *testing.T) {
	e := newEnv(t)
	first, next := e.mustPull(t, "tickets", "")
	if a := authorisations(first)["note:9004"]; a == nil || a.ValidTo != nil {
		t.Fatalf("note:9004 = %+v, want it open (no ValidTo)", a)
	}
	completed := e.now.Add(-time.Minute)
	e.srv.Update(func(ds *fx.Dataset) {
		tk := ds.Find(fx.EntityTickets, "id", 7002)
		tk["status"] = json.Number("5")
		tk["completedDate"] = completed.Format(time.RFC3339)
		tk["lastActivityDate"] = completed.Format(time.RFC3339)
	})
	second, _ := e.mustPull(t, "tickets", next)
	a := authorisations(second)["note:9004"]
	if a == nil || a.ValidTo == nil || !a.ValidTo.Equal(completed.Add(24*time.Hour)) {
		t.Fatalf("after completion note:9004 = %+v, want ValidTo = completedDate + grace", a)
	}
	if got := keys[*record.Authorisation](second.Records()); !reflect.DeepEqual(got, []string{"note:9004"}) {
		t.Errorf("second pull emitted %v, want only the completed ticket's note", got)
	}
}

func TestTickets_FirstPullReadsTheLookback(t *testing.T) {
	e := newEnv(t, withConfig(func(c *config.Autotask) { c.Lookback = duration.Duration(49 * time.Hour) }))
	sink, _ := e.mustPull(t, "tickets", "")
	// T20261026.0007 (last activity 5 days ago) and the note 9001 (3 days ago) are
	// outside; 9001 still comes through its ticket, which completed 48 hours ago.
	if got := keys[*record.Authorisation](sink.Records()); !reflect.DeepEqual(got, []string{"note:9001", "note:9004", "note:9005"}) {
		t.Errorf("authorisations = %v", got)
	}
}

func TestTickets_UnreadableCursorReadsLookbackWithWarning(t *testing.T) {
	e := newEnv(t)
	sink, _ := e.mustPull(t, "tickets", `{"window":{"phase":"sideways"}}`)
	if len(sink.Warns) != 1 || len(authorisations(sink)) != 4 {
		t.Errorf("warnings %v, %d authorisations; want one warning and the whole lookback", sink.Warns, len(authorisations(sink)))
	}
}

func TestTickets_NoteTypesAndStatuses(t *testing.T) {
	tests := []struct {
		name string
		cfg  func(*config.Autotask)
		want []string
	}{
		{"marker only", func(*config.Autotask) {}, []string{"note:9001", "note:9004", "note:9005", "ticket:7004"}},
		{"no marker, no types", func(c *config.Autotask) { c.Marker = "" }, nil},
		{"note type 1 without marker", func(c *config.Autotask) { c.Marker = ""; c.NoteTypes = []int64{1} },
			// Every human note of type 1; the system note 9002 never.
			[]string{"note:9001", "note:9003", "note:9004", "note:9005", "note:9006"}},
		{"status 1 without marker", func(c *config.Autotask) { c.Marker = ""; c.Statuses = []int64{1} },
			[]string{"ticket:7002", "ticket:7005"}},
		{"another marker", func(c *config.Autotask) { c.Marker = "Approved by" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withConfig(tt.cfg))
			sink, _ := e.mustPull(t, "tickets", "")
			if got := keys[*record.Authorisation](sink.Records()); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("authorisations = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTickets_StatusPermissionGrantedByTicketContact(t *testing.T) {
	e := newEnv(t, withConfig(func(c *config.Autotask) { c.Statuses = []int64{1} }))
	sink, _ := e.mustPull(t, "tickets", "")
	a := authorisations(sink)["ticket:7002"]
	if a == nil || a.GrantedBy != "Omar Haddad" || a.GrantedByRef != "30301" || a.Evidence != "Autotask ticket T20261030.0004" {
		t.Errorf("ticket:7002 = %+v, want granted by the ticket's contact", a)
	}
}

func TestTickets_ChunksInListsAt(t *testing.T) {
	e := newEnv(t)
	e.conn.chunkSize = 2
	var lists [][]any
	e.srv.Inject(fx.Fault{Path: fx.QueryPath("TicketNotes"), Match: func(r *http.Request) bool {
		if q := fx.RequestQuery(r); q != nil && q.Has("ticketID") {
			for _, c := range q.Filter {
				if c.Op == "in" {
					lists = append(lists, c.Value.([]any))
				}
			}
		}
		return false
	}})
	sink, _ := e.mustPull(t, "tickets", "")
	total := 0
	for _, l := range lists {
		if len(l) > 2 {
			t.Errorf("an in list holds %d ids, want at most 2", len(l))
		}
		total += len(l)
	}
	// The five tickets of the window, in three chunks.
	if len(lists) != 3 || total != 5 {
		t.Errorf("%d in lists with %d ids, want 3 with 5", len(lists), total)
	}
	if len(authorisations(sink)) != 4 {
		t.Errorf("%d authorisations, want 4", len(authorisations(sink)))
	}
}

func TestChunks(t *testing.T) {
	many := make([]int64, 1201)
	for i := range many {
		many[i] = int64(i + 1)
	}
	tests := []struct {
		name string
		ids  []int64
		size int
		want []int
	}{
		{"none", nil, 500, nil},
		{"under the limit", []int64{3, 1, 2}, 500, []int{3}},
		{"duplicates counted once", []int64{1, 1, 2, 2, 3}, 2, []int{2, 1}},
		{"at 500", many[:500], 500, []int{500}},
		{"over 500", many, 500, []int{500, 500, 201}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int
			for _, c := range chunks(tt.ids, tt.size) {
				got = append(got, len(c))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("chunk sizes = %v, want %v", got, tt.want)
			}
		})
	}
}
