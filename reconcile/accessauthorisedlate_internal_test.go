package reconcile

import (
	"testing"
	"time"
)

func TestHowLong_SaysADurationInWords(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{30 * time.Second, "less than a minute"},
		{time.Minute, "a minute"},
		{42*time.Minute + 10*time.Second, "42 minutes"},
		{time.Hour, "an hour"},
		{time.Hour + 20*time.Minute, "an hour and 20 minutes"},
		{50*time.Hour + 3*time.Minute, "2 days and 2 hours"},
		{24*time.Hour + 5*time.Minute, "a day and 5 minutes"},
	} {
		if got := howLong(tc.d); got != tc.want {
			t.Errorf("HowLong(%s) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
