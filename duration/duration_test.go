package duration_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/duration"
)

func TestParse(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"90d", 90 * day},
		{"2w", 14 * day},
		{"1.5d", 36 * time.Hour},
		{"0.5w", 84 * time.Hour},
		{"36h", 36 * time.Hour},
		{"1h30m", 90 * time.Minute},
		{"90s", 90 * time.Second},
		{"250ms", 250 * time.Millisecond},
		{" 7d ", 7 * day},
		{"0d", 0},
		{"0", 0},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := duration.Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got.Std() != tt.want {
				t.Errorf("Parse(%q) = %v, want %v", tt.in, got.Std(), tt.want)
			}
		})
	}
}

func TestParse_Bad(t *testing.T) {
	for _, in := range []string{
		"", "d", "w", "abc", "90", "90x", "1d12h", "ten days", "90 d", "d90",
		"NaNd", "Infw", "+Infd", "1e300d", "9999999999w",
	} {
		t.Run(in, func(t *testing.T) {
			got, err := duration.Parse(in)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want an error", in, got.Std())
			}
			if !strings.Contains(err.Error(), "invalid duration") {
				t.Errorf("error %q does not say invalid duration", err)
			}
		})
	}
}

func TestDuration_StringRoundTrips(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		d    time.Duration
		want string
	}{
		{14 * day, "2w"},
		{90 * day, "90d"},
		{36 * time.Hour, "36h0m0s"},
		{90 * time.Second, "1m30s"},
		{0, "0s"},
	}
	for _, tt := range tests {
		d := duration.Duration(tt.d)
		if got := d.String(); got != tt.want {
			t.Errorf("String(%v) = %q, want %q", tt.d, got, tt.want)
		}
		text, err := d.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back duration.Duration
		if err := back.UnmarshalText(text); err != nil {
			t.Fatalf("UnmarshalText(%q): %v", text, err)
		}
		if back != d {
			t.Errorf("round trip of %v gave %v", tt.d, back.Std())
		}
	}
}

func TestDuration_UnmarshalTextKeepsValueOnError(t *testing.T) {
	d := duration.Duration(time.Hour)
	if err := d.UnmarshalText([]byte("soon")); err == nil {
		t.Fatal("UnmarshalText accepted \"soon\"")
	}
	if d.Std() != time.Hour {
		t.Errorf("value changed to %v on error", d.Std())
	}
}

func TestParse_LargestValid(t *testing.T) {
	d, err := duration.Parse("15000w")
	if err != nil {
		t.Fatal(err)
	}
	if d.Std() <= 0 || float64(d.Std()) > math.MaxInt64 {
		t.Errorf("15000w = %v", d.Std())
	}
}
