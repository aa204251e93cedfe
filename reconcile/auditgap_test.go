package reconcile

import "testing"

func TestAuditGap(t *testing.T) {
	// Fires for t2's sign-ins (last read 30h ago); not for a fresh read, a tenant not
	// licensed, a refused stream read within the day, nor a stream not watched.
	assertFindings(t, defaultRule(t, RuleAuditGap), plantedM365(), m365Now,
		[]string{"audit-gap:m365/signins/t2"}, "no successful read since")
}

func TestAuditGap_Validate(t *testing.T) {
	tests := []struct {
		streams []string
		want    int
	}{
		{[]string{"m365/signins", "o365audit/*"}, 0},
		{[]string{"m365"}, 1},
		{[]string{"/signins"}, 1},
	}
	for _, tt := range tests {
		r := &AuditGap{After: 1, Streams: tt.streams}
		if got := r.Validate(); len(got) != tt.want {
			t.Errorf("Validate(%q) = %q, want %d problem(s)", tt.streams, got, tt.want)
		}
	}
}
