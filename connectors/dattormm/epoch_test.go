package dattormm

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParseEpoch_BothUnitsAndNever(t *testing.T) {
	at := time.Date(2026, 10, 27, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time // zero: never
	}{
		{`1793088000`, at}, // activity date: seconds
		{`1793088000.482`, at.Add(482 * time.Millisecond)}, // seconds with a fraction
		{`1793088000000`, at},                              // device dates: milliseconds
		{`1793088000482.0`, at.Add(482 * time.Millisecond)},
		{`"1793088000000"`, at},
		{`"2026-10-27T08:00:00Z"`, at},
		{`-62135596800000`, time.Time{}}, // DateTime.MinValue
		{`0`, time.Time{}},
		{`null`, time.Time{}},
		{`""`, time.Time{}},
	}
	for _, tt := range tests {
		var e epoch
		if err := json.Unmarshal([]byte(tt.in), &e); err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if e.set != !tt.want.IsZero() || !e.t.Equal(tt.want) {
			t.Errorf("%s = %v (set %v), want %v", tt.in, e.t, e.set, tt.want)
		}
	}
	for _, bad := range []string{`"yesterday"`, `true`, `{}`} {
		var e epoch
		if err := json.Unmarshal([]byte(bad), &e); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestDecodeDetails(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		user    string
		first   string
		ip      string
		start   time.Time
		wantErr bool
	}{
		{
			name: "JSON string, lower-case keys",
			raw:  `"{\"user.username\":\"asmith\",\"user.firstname\":\"Alice\",\"source.forwarded_ip\":\"203.0.113.24\",\"remote_session.start_date\":1793088000000}"`,
			user: "asmith", first: "Alice", ip: "203.0.113.24", start: time.UnixMilli(1793088000000).UTC(),
		},
		{
			name: "JSON string, camelCase keys",
			raw:  `"{\"user.userName\":\"bjones\",\"user.firstName\":\"Bob\",\"remote_session.start_date\":1793088000}"`,
			user: "bjones", first: "Bob", start: time.Unix(1793088000, 0).UTC(),
		},
		{name: "an object", raw: `{"User.Username":"cdavis","user.id":1002}`, user: "cdavis"},
		{name: "null", raw: `null`},
		{name: "empty string", raw: `""`},
		{name: "a string that is no object", raw: `"not json"`, wantErr: true},
		{name: "an array", raw: `"[1,2]"`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := decodeDetails(json.RawMessage(tt.raw))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if d.str("user.username") != tt.user || d.str("user.firstname") != tt.first || d.str("source.forwarded_ip") != tt.ip {
				t.Errorf("user %q, first %q, ip %q; want %q, %q, %q",
					d.str("user.username"), d.str("user.firstname"), d.str("source.forwarded_ip"), tt.user, tt.first, tt.ip)
			}
			start, ok := d.time("remote_session.start_date")
			if ok != !tt.start.IsZero() || !start.Equal(tt.start) {
				t.Errorf("start = %v (%v), want %v", start, ok, tt.start)
			}
		})
	}
	d, _ := decodeDetails(json.RawMessage(`{"user.id":1002,"remote_session.details":[{"action":"x"}]}`))
	if d.str("user.id") != "1002" || d.str("remote_session.details") != "" {
		t.Errorf("numbers read as text and arrays as nothing: got %q and %q", d.str("user.id"), d.str("remote_session.details"))
	}
}
