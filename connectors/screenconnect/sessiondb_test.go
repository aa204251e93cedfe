package screenconnect

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/secret"
)

// withoutRaw returns the records sorted by key, Raw cleared: Session.db gives enums as
// numbers where Report.json gives names, so only the raw payloads differ.
func withoutRaw(recs []record.Record) []record.Record {
	out := make([]record.Record, 0, len(recs))
	for _, r := range recs {
		switch v := r.(type) {
		case *record.Endpoint:
			c := *v
			c.Raw = nil
			out = append(out, &c)
		case *record.Agent:
			c := *v
			c.Raw = nil
			out = append(out, &c)
		case *record.Organization:
			c := *v
			c.Raw = nil
			out = append(out, &c)
		case *record.AccessEvent:
			c := *v
			c.Raw = nil
			out = append(out, &c)
		}
	}
	slices.SortStableFunc(out, func(a, b record.Record) int {
		ka, kb := a.RecordKey(), b.RecordKey()
		return strings.Compare(ka.SourceID+reflect.TypeOf(a).String(), kb.SourceID+reflect.TypeOf(b).String())
	})
	return out
}

func TestSessionDB_SameRecordsAsReportJSON(t *testing.T) {
	for _, limit := range []int{10000, 2} {
		e := newEnv(t, options{cfg: func(c *config.ScreenConnect) { c.ItemLimit = limit }})
		db := e.dbConnector(t)
		if err := db.Check(context.Background()); err != nil {
			t.Fatalf("Check: %v", err)
		}
		for _, stream := range []string{"sessions", "connections", "events"} {
			web, _ := mustPull(t, e.conn, stream, "")
			file, _ := mustPull(t, db, stream, "")
			got, want := withoutRaw(file.Records()), withoutRaw(web.Records())
			if len(got) != len(want) || len(got) == 0 {
				t.Errorf("item_limit %d, %s: %d records from Session.db, %d from Report.json", limit, stream, len(got), len(want))
				continue
			}
			for i := range got {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Errorf("item_limit %d, %s: Session.db gives %+v, Report.json %+v", limit, stream, got[i], want[i])
				}
			}
			for _, p := range file.Pages {
				if stream != "sessions" && len(p.Records) > limit {
					t.Errorf("item_limit %d, %s: page of %d records", limit, stream, len(p.Records))
				}
			}
		}
	}
}

func TestSessionDB_SkipsDeletedEventsAndDecodesGUIDs(t *testing.T) {
	e := newEnv(t, options{})
	sink, _ := mustPull(t, e.dbConnector(t), "events", "")
	deleted := e.ds.SessionEvents[7]
	if deleted.Attributes&1 == 0 {
		t.Fatal("the demo's deleted event moved")
	}
	if ev := events(sink)[deleted.ID]; ev != nil {
		t.Errorf("deleted event emitted: %+v", ev)
	}
	if ev := events(sink)[e.ds.SessionEvents[4].ID]; ev == nil || ev.DeviceRef != e.ds.Session("FAB-SRV01").ID {
		t.Errorf("QueuedCommand = %+v, want it with the session's canonical GUID", ev)
	}
}

func TestSessionDB_MissingColumnNamed(t *testing.T) {
	tests := []struct{ drop, want string }{
		{"SessionConnection.ParticipantName", "table SessionConnection has no column ParticipantName"},
		{"Session.GuestMachineSerialNumber", "table Session has no column GuestMachineSerialNumber"},
		{"SessionEvent.EventAttributes", "table SessionEvent has no column EventAttributes"},
	}
	for _, tt := range tests {
		t.Run(tt.drop, func(t *testing.T) {
			e := newEnv(t, options{})
			db := e.dbConnector(t, tt.drop)
			err := db.Check(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "screenconnect") {
				t.Errorf("Check = %v, want it to say %q", err, tt.want)
			}
			if _, _, err := pull(t, db, "sessions", ""); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Pull = %v, want it to say %q", err, tt.want)
			}
		})
	}
	missing := New(config.ScreenConnect{SessionDB: t.TempDir() + "/none.db", ItemLimit: 10}, secret.Value{}, secret.Value{}, depsFor(t))
	if err := missing.Check(context.Background()); err == nil {
		t.Error("Check of a missing file succeeded")
	}
}

func TestGUIDString_DotNetByteOrder(t *testing.T) {
	b := []byte{0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}
	if got, err := guidString(b); err != nil || got != "00112233-4455-6677-8899-aabbccddeeff" {
		t.Errorf("guidString = %q, %v", got, err)
	}
	if _, err := guidString(b[:15]); err == nil {
		t.Error("guidString of 15 bytes succeeded")
	}
}
