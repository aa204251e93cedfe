package screenconnect

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// FuzzDecodeTable decodes mutated Report.json bodies: a table that decodes has a value
// for every field of every row, each row reads as a JSON object, and every reader of a
// field returns without panicking.
func FuzzDecodeTable(f *testing.F) {
	f.Add([]byte(`{"FieldNames":["SessionID","Name","CreatedTime","IsEnded","SessionType"],"Items":[["0a1b2c3d-0000-4000-8000-000000000001","CON-PC-001","2026-11-20T09:14:07.1234567Z",false,2],["0a1b2c3d-0000-4000-8000-000000000002",null,"0001-01-01T00:00:00","True","Access"]]}`))
	f.Add([]byte(`{"FieldNames":["ConnectionID","ParticipantName","ConnectedTime","DisconnectedTime"],"Items":[["c1","Bob Jones","/Date(1793484000000)/","11/21/2026 9:14:07 AM"]]}`))
	f.Add([]byte(`{"FieldNames":[],"Items":[]}`))
	f.Add([]byte(`{"Items":[[1]]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		tab, err := decodeTable(body, nil)
		if err != nil {
			return
		}
		for _, r := range tab.rows() {
			if len(tab.items[r.i]) != len(tab.fields) {
				t.Fatalf("row %d has %d values for %d fields", r.i, len(tab.items[r.i]), len(tab.fields))
			}
			if raw := r.raw(); !json.Valid(raw) {
				t.Errorf("row %d reads as %q", r.i, raw)
			}
			for _, field := range tab.fields {
				_ = r.str(field)
				_, _ = r.boolean(field)
				_, _ = r.time(field)
				_ = r.enum(field, []string{"Support", "Meeting", "Access"})
			}
		}
	})
}

// FuzzParseText reads mutated ScreenConnect times: a time read is UTC, after year 1,
// and reads back the same from the ISO form the fake and Session.db tables write.
func FuzzParseText(f *testing.F) {
	for _, s := range []string{"2026-11-20T09:14:07.1234567Z", "2026-11-20T09:14:07", "2026-11-20 09:14:07+01:00",
		"11/20/2026 9:14:07 AM", "2026-11-20", "/Date(1793484000000)/", "/Date(1793484000000+0100)/", "/Date(", "0001-01-01T00:00:00", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseText(s)
		if err != nil || got == nil {
			return
		}
		if got.Location() != time.UTC || got.Year() <= 1 {
			t.Fatalf("%q read as %v", s, got)
		}
		if got.Year() > 9999 {
			return // beyond the four-digit years the layouts write
		}
		again, err := parseText(got.Format(textLayouts[0]))
		if err != nil || again == nil || !again.Equal(got.Truncate(100*time.Nanosecond)) {
			t.Errorf("%q = %v, read back as %v (%v)", s, got, again, err)
		}
	})
}

// FuzzSessionDBValues converts mutated Session.db values (a GUID blob, a ticks value,
// a text) as a row of the database is converted: every value becomes JSON, a GUID of
// 16 bytes its canonical 36-character text, and a ticks value reads back as the same
// ticks.
func FuzzSessionDBValues(f *testing.F) {
	f.Add([]byte{0x3d, 0x2c, 0x1b, 0x0a, 0, 0, 0, 0x40, 0x80, 0, 0, 0, 0, 0, 0, 1}, toTicks(time.Date(2026, 11, 20, 9, 14, 7, 123456700, time.UTC)), "CON-PC-001")
	f.Add([]byte("short"), int64(0), "")
	f.Add([]byte{}, int64(-1), "\xff")
	f.Fuzz(func(t *testing.T, guid []byte, ticks int64, text string) {
		g, err := guidString(guid)
		if (err == nil) != (len(guid) == 16) || (err == nil && (len(g) != 36 || strings.Count(g, "-") != 4)) {
			t.Errorf("guid %x = %q, %v", guid, g, err)
		}
		if tm, err := fromTicks(ticks); err == nil && tm != nil && toTicks(*tm) != ticks {
			t.Errorf("ticks %d = %v, written back as %d", ticks, tm, toTicks(*tm))
		}
		vals, err := toJSON([]string{"SessionID", "CreatedTime", "Name"}, []any{guid, ticks, text})
		if err != nil {
			return
		}
		for i, v := range vals {
			if !json.Valid(v) {
				t.Errorf("value %d = %q is not JSON", i, v)
			}
		}
	})
}
