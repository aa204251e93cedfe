package screenconnect

import (
	"testing"
	"time"
)

func TestParseText(t *testing.T) {
	want := time.Date(2024, 5, 1, 12, 34, 56, 123456700, time.UTC)
	whole := time.Date(2024, 5, 1, 12, 34, 56, 0, time.UTC)
	tests := []struct {
		in      string
		want    *time.Time
		wantErr bool
	}{
		{"2024-05-01T12:34:56.1234567Z", &want, false},
		{"2024-05-01T12:34:56.1234567", &want, false},
		{"2024-05-01 12:34:56.1234567", &want, false},
		{"2024-05-01T14:34:56.1234567+02:00", &want, false},
		{"2024-05-01T12:34:56", &whole, false},
		{"2024-05-01 12:34:56", &whole, false},
		{"2024-05-01T12:34:56Z", &whole, false},
		{"5/1/2024 12:34:56 PM", &whole, false},
		{"/Date(1714566896000)/", &whole, false},
		{"/Date(1714566896000+0000)/", &whole, false},
		{"0001-01-01T00:00:00", nil, false},
		{"0001-01-01T00:00:00Z", nil, false},
		{"0001-01-01 00:00:00", nil, false},
		{"0001-06-30T08:00:00.0000000Z", nil, false},
		{"", nil, false},
		{"  ", nil, false},
		{"yesterday", nil, true},
		{"/Date(abc)/", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseText(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseText(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if !sameTime(got, tt.want) {
				t.Errorf("parseText(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestRelativeTimes(t *testing.T) {
	base := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := base.Add(d); return &v }
	tests := []struct {
		name string
		got  func() (*time.Time, error)
		want *time.Time
	}{
		{"90 seconds before now", func() (*time.Time, error) { return fromSecondsBefore(base, 90) }, at(-90 * time.Second)},
		{"fractional seconds before now", func() (*time.Time, error) { return fromSecondsBefore(base, 0.5) }, at(-500 * time.Millisecond)},
		{"seconds reaching year 1 are never", func() (*time.Time, error) { return fromSecondsBefore(base, 2024*365.25*86400) }, nil},
		{"millis after BaseTime", func() (*time.Time, error) { return fromBaseMillis(base, 1500) }, at(1500 * time.Millisecond)},
		{"millis before BaseTime", func() (*time.Time, error) { return fromBaseMillis(base, -60000) }, at(-time.Minute)},
		{"ticks", func() (*time.Time, error) { return fromTicks(638501616000000000) }, at(0)},
		{"ticks keep 100 ns", func() (*time.Time, error) { return fromTicks(638501616000000001) }, at(100)},
		{"zero ticks are never", func() (*time.Time, error) { return fromTicks(0) }, nil},
		{"ticks in year 1 are never", func() (*time.Time, error) { return fromTicks(315_000_000_000_000) }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.got()
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if !sameTime(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := fromTicks(-1); err == nil {
		t.Error("fromTicks(-1) succeeded, want an error")
	}
	if got, _ := fromTicks(toTicks(base.Add(123456700))); !sameTime(got, at(123456700)) {
		t.Errorf("toTicks does not round-trip: %v", got)
	}
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b) && a.Location() == time.UTC
}
