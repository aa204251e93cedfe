package jobs

import (
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

func TestOwedRun(t *testing.T) {
	hourly := cron.Every(time.Hour)
	daily, err := cron.ParseStandard("15 3 * * *")
	if err != nil {
		t.Fatal(err)
	}
	now := t0 // 09:00
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	tests := []struct {
		name          string
		sched         cron.Schedule
		lastOK, lease time.Time
		firstAtSlot   bool
		wantSlot      time.Time // zero: no run owed
		wantWhy       string
	}{
		{"never ran", hourly, time.Time{}, time.Time{}, false, neverRanSlot, "never ran"},
		{"never ran, first run at its slot", hourly, time.Time{}, time.Time{}, true, time.Time{}, ""},
		{"succeeded within its interval", hourly, ago(30 * time.Minute), ago(30 * time.Minute), false, time.Time{}, ""},
		{"last success 3h ago", hourly, ago(3 * time.Hour), time.Time{}, false, ago(2 * time.Hour), "last success 3h ago, interval 1h"},
		{"failing, but its latest slot was taken", hourly, ago(3 * time.Hour), ago(20 * time.Minute), false, time.Time{}, ""},
		{"failing, and a slot passed since the last one taken", hourly, ago(3 * time.Hour), ago(90 * time.Minute), false, ago(30 * time.Minute), "last success 3h ago, interval 1h"},
		{"runs deleted by retention, slot taken long ago", hourly, time.Time{}, ago(50 * time.Hour), true, ago(49 * time.Hour), "no success on record, interval 1h"},
		{"daily, ran today", daily, time.Date(2026, 11, 1, 3, 20, 0, 0, time.UTC), time.Time{}, false, time.Time{}, ""},
		{"daily, ran yesterday", daily, time.Date(2026, 10, 31, 3, 20, 0, 0, time.UTC), time.Time{}, false,
			time.Date(2026, 11, 1, 3, 15, 0, 0, time.UTC), "last success 1d5h ago, interval 1d"},
	}
	for _, tt := range tests {
		got, owed := owedRun(tt.sched, tt.lastOK, tt.lease, tt.firstAtSlot, now, time.UTC)
		if owed != !tt.wantSlot.IsZero() || !got.Slot.Equal(tt.wantSlot) || got.Why != tt.wantWhy {
			t.Errorf("%s: owedRun = %v, %+v; want slot %v, %q", tt.name, owed, got, tt.wantSlot, tt.wantWhy)
		}
	}
}
