package vocab

import "testing"

func TestParseSeverity_AcceptsItsNamesAndRefusesOthers(t *testing.T) {
	tests := []struct {
		in      string
		want    Severity
		wantErr bool
	}{
		{"info", Info, false},
		{"critical", Critical, false},
		{"High", "", true},
		{"severe", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		got, err := ParseSeverity(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseSeverity(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestSeverity_OrdersLeastSevereFirst(t *testing.T) {
	for i := 1; i < len(Severities); i++ {
		lower, higher := Severities[i-1], Severities[i]
		if !higher.Above(lower) || lower.Above(higher) {
			t.Errorf("%s should rank above %s", higher, lower)
		}
	}
	if Severity("bogus").Rank() != -1 {
		t.Error("an unknown severity must rank -1")
	}
}

func TestSeverity_UnmarshalTextRefusesUnknown(t *testing.T) {
	var s Severity
	if err := s.UnmarshalText([]byte("medium")); err != nil || s != Medium {
		t.Fatalf("UnmarshalText(medium) = %q, %v", s, err)
	}
	if err := s.UnmarshalText([]byte("urgent")); err == nil {
		t.Fatal("UnmarshalText(urgent) accepted an unknown severity")
	}
}

func TestOutcome_UnhealthyOnlyForWhatAPersonMustFix(t *testing.T) {
	unhealthy := map[Outcome]bool{OutcomeAccessDenied: true, OutcomeAuditingDisabled: true, OutcomeMisconfigured: true}
	for _, o := range []Outcome{OutcomeOK, OutcomeThrottled, OutcomeAccessDenied, OutcomeNotLicensed,
		OutcomeAuditingDisabled, OutcomeMisconfigured, OutcomeCancelled, OutcomeFailed} {
		if o.Unhealthy() != unhealthy[o] {
			t.Errorf("%s.Unhealthy() = %v, want %v", o, o.Unhealthy(), unhealthy[o])
		}
	}
}
