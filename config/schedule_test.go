package config

import "testing"

func TestSyncSchedule_ConnectorOverridesDefault(t *testing.T) {
	cfg := Default()
	cfg.Schedules.Sync = "0 */2 * * *"
	tests := []struct{ own, connector, want string }{
		{"", "itglue", "0 */2 * * *"},
		{"@hourly", "itglue", "@hourly"},
		{"@hourly", "autotask", "0 */2 * * *"},
	}
	for _, tt := range tests {
		cfg.Connectors.ITGlue.Schedule = tt.own
		if got := cfg.SyncSchedule(tt.connector); got != tt.want {
			t.Errorf("itglue schedule %q: SyncSchedule(%q) = %q, want %q", tt.own, tt.connector, got, tt.want)
		}
	}
}
