package config

import (
	"encoding"
	"testing"
	"time"
)

// TestValues_DecodeRefuseAndEncodeBack reads each value type from text as the file
// writes it, refuses what is not valid, and writes back the text it read.
func TestValues_DecodeRefuseAndEncodeBack(t *testing.T) {
	type value interface {
		encoding.TextUnmarshaler
		encoding.TextMarshaler
	}
	tests := []struct {
		name    string
		new     func() value
		in      string
		want    string // the text it encodes back to; "" with wantErr
		wantErr bool
	}{
		{"clock", func() value { return new(ClockTime) }, "07:30", "07:30", false},
		{"clock midnight", func() value { return new(ClockTime) }, "00:00", "00:00", false},
		{"clock 24h", func() value { return new(ClockTime) }, "24:00", "", true},
		{"clock no leading zero", func() value { return new(ClockTime) }, "7:30", "", true},
		{"clock minutes", func() value { return new(ClockTime) }, "07:60", "", true},
		{"window wraps", func() value { return new(Window) }, "22:00-07:00", "22:00-07:00", false},
		{"window spaces", func() value { return new(Window) }, "09:00 - 17:00", "09:00-17:00", false},
		{"window empty", func() value { return new(Window) }, "", "", false},
		{"window same ends", func() value { return new(Window) }, "08:00-08:00", "", true},
		{"window one end", func() value { return new(Window) }, "22:00", "", true},
		{"weekday", func() value { return new(Day) }, "Mon", "mon", false},
		{"weekday long", func() value { return new(Day) }, "monday", "", true},
		{"zone", func() value { return new(Location) }, "Europe/London", "Europe/London", false},
		{"zone unknown", func() value { return new(Location) }, "Mars/Olympus", "", true},
		{"zone empty is unset", func() value { return new(Location) }, "", "", false},
		{"zone UTC is set", func() value { return new(Location) }, "UTC", "UTC", false},
		{"cron", func() value { return new(Schedule) }, "*/15 * * * *", "*/15 * * * *", false},
		{"cron descriptor", func() value { return new(Schedule) }, "@every 90m", "@every 90m", false},
		{"cron six fields", func() value { return new(Schedule) }, "0 */15 * * * *", "", true},
		{"pattern", func() value { return new(Pattern) }, `(?i)\bold\b`, `(?i)\bold\b`, false},
		{"pattern broken", func() value { return new(Pattern) }, `(unclosed`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.new()
			err := v.UnmarshalText([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("UnmarshalText(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			got, _ := v.MarshalText()
			if string(got) != tt.want {
				t.Errorf("MarshalText after %q = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestWindow_ContainsAcrossMidnight(t *testing.T) {
	at := func(hhmm string) time.Time {
		c, err := ParseClockTime(hhmm)
		if err != nil {
			t.Fatal(err)
		}
		return time.Date(2026, 12, 6, c.Hour(), c.Minute(), 0, 0, time.UTC)
	}
	night, day := Window{Start: 22 * 60, End: 7 * 60, Set: true}, Window{Start: 9 * 60, End: 17 * 60, Set: true}
	tests := []struct {
		w    Window
		at   string
		want bool
	}{
		{night, "23:00", true}, {night, "06:59", true}, {night, "07:00", false}, {night, "21:59", false}, {night, "22:00", true},
		{day, "09:00", true}, {day, "16:59", true}, {day, "17:00", false}, {day, "08:00", false},
		{Window{}, "12:00", false},
	}
	for _, tt := range tests {
		if got := tt.w.Contains(at(tt.at)); got != tt.want {
			t.Errorf("%s contains %s = %v, want %v", tt.w, tt.at, got, tt.want)
		}
	}
}

func TestSchedule_UnsetUntilNamed(t *testing.T) {
	var s Schedule
	if s.IsSet() {
		t.Fatal("zero schedule is set")
	}
	if err := s.UnmarshalText([]byte("0 3 * * *")); err != nil || !s.IsSet() {
		t.Fatalf("UnmarshalText = %v, set %v", err, s.IsSet())
	}
	from := time.Date(2026, 12, 6, 4, 0, 0, 0, time.UTC)
	if next := s.Cron().Next(from); !next.Equal(time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)) {
		t.Errorf("next after %s = %s", from, next)
	}
}

func TestLocation_ZeroIsUTC(t *testing.T) {
	if (Location{}).Std() != time.UTC {
		t.Error("the zero Location is not UTC")
	}
	var l Location
	if err := l.UnmarshalText(nil); err != nil || l.IsSet() {
		t.Errorf("empty text: %v, set %v; want unset", err, l.IsSet())
	}
	if err := l.UnmarshalText([]byte("UTC")); err != nil || !l.IsSet() || l.Std() != time.UTC {
		t.Errorf("UTC: %v, set %v, %v; want set to UTC", err, l.IsSet(), l.Std())
	}
}
