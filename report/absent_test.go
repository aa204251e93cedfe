package report

import (
	"strings"
	"testing"
)

// TestAbsent says "none" for an empty section only when one of its sources read
// successfully in the period, and "not checked" otherwise.
func TestAbsent(t *testing.T) {
	read := func(connector, stream string, ok int) StreamCoverage {
		return StreamCoverage{Connector: connector, Stream: stream, Pulls: 1, OK: ok}
	}
	tests := []struct {
		name     string
		coverage []StreamCoverage
		// want is, per section, whether it says "none" (true) or "not checked".
		access, relationships, devices bool
	}{
		{name: "nothing read"},
		{name: "only failed pulls", coverage: []StreamCoverage{read("screenconnect", "sessions", 0), read("itglue", "configurations", 0)}},
		{name: "screenconnect", coverage: []StreamCoverage{read("screenconnect", "sessions", 2)}, access: true},
		{name: "datto devices are no access source", coverage: []StreamCoverage{read("dattormm", "devices", 1)}},
		{name: "datto activity", coverage: []StreamCoverage{read("dattormm", "activity", 1)}, access: true},
		{name: "o365 tenant list is no access source", coverage: []StreamCoverage{read("o365audit", "tenants", 1)}},
		{name: "o365 audit content", coverage: []StreamCoverage{read("o365audit", "Audit.AzureActiveDirectory", 1)}, access: true},
		{name: "gdap relationships", coverage: []StreamCoverage{read("m365", "relationships", 1)}, relationships: true},
		{name: "sign-ins", coverage: []StreamCoverage{read("m365", "signins", 1)}, access: true},
		{name: "it glue configurations", coverage: []StreamCoverage{read("itglue", "configurations", 3)}, devices: true},
		{name: "it glue organisations only", coverage: []StreamCoverage{read("itglue", "organizations", 3)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := absent(tt.coverage)
			for _, s := range []struct {
				section, said string
				none          bool
			}{{"access", a.Access, tt.access}, {"relationships", a.Relationships, tt.relationships}, {"devices", a.Devices, tt.devices}} {
				if notChecked := strings.HasPrefix(s.said, "Not checked: "); notChecked == s.none {
					t.Errorf("%s: %q; want none=%v", s.section, s.said, s.none)
				}
			}
		})
	}
}
