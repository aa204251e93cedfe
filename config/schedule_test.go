package config

import "testing"

func TestSyncSchedule_ConnectorOverridesDefault(t *testing.T) {
	cfg := Default()
	cfg.Schedules.Sync = MustSchedule("0 */2 * * *")
	tests := []struct {
		own       string
		set       func(*Connectors, Schedule)
		connector string
		want      string
	}{
		{"", func(c *Connectors, s Schedule) { c.ITGlue.Schedule = s }, "itglue", "0 */2 * * *"},
		{"@hourly", func(c *Connectors, s Schedule) { c.ITGlue.Schedule = s }, "itglue", "@hourly"},
		{"@hourly", func(c *Connectors, s Schedule) { c.ITGlue.Schedule = s }, "autotask", "0 */2 * * *"},
		// The Microsoft 365 connectors' own schedules were once ignored.
		{"@every 90m", func(c *Connectors, s Schedule) { c.M365.Schedule = s }, "m365", "@every 90m"},
		{"15 * * * *", func(c *Connectors, s Schedule) { c.O365Audit.Schedule = s }, "o365audit", "15 * * * *"},
	}
	for _, tt := range tests {
		cfg.Connectors = Default().Connectors
		var own Schedule
		if err := own.UnmarshalText([]byte(tt.own)); err != nil {
			t.Fatal(err)
		}
		tt.set(&cfg.Connectors, own)
		if got := cfg.SyncSchedule(tt.connector); got.String() != tt.want {
			t.Errorf("own schedule %q: SyncSchedule(%q) = %q, want %q", tt.own, tt.connector, got, tt.want)
		}
	}
}
