package connectors

import (
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/custos-msp/custos/config"
)

func TestCatchUpBurst_OneRequestOfCreditWhereTheLimitAllows(t *testing.T) {
	def := config.Default().Connectors
	tests := []struct {
		name      string
		perSecond float64
		limit     config.Limit
		want      int
	}{
		{"IT Glue default", def.ITGlue.RequestsPerSecond, def.ITGlue.Limit, 2},
		{"Datto RMM default", def.DattoRMM.RequestsPerSecond, def.DattoRMM.Limit, 2},
		{"Datto RMM at its ceiling", 10, def.DattoRMM.Limit, 1},
		{"Autotask default", def.Autotask.RequestsPerSecond, def.Autotask.Limit, 2},
		{"Management Activity API default", def.O365Audit.RequestsPerSecond, def.O365Audit.Limit, 2},
		{"Graph reports per tenant", def.M365.ReportsPerTenant, def.M365.ReportsLimitPerTenant, 1},
		{"Graph reports across tenants", def.M365.ReportsAllTenants, def.M365.ReportsLimitAllTenants, 2},
		{"no documented limit", def.ScreenConnect.RequestsPerSecond, def.ScreenConnect.Limit, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CatchUpBurst(tt.perSecond, tt.limit); got != tt.want {
				t.Errorf("CatchUpBurst(%v, %+v) = %d, want %d", tt.perSecond, tt.limit, got, tt.want)
			}
		})
	}
}

// sends returns when n requests go through a token bucket of perSecond and burst,
// full at 0, when each asks as soon as the one before it went, but the request
// numbered late asks lateBy after the one before it went.
func sends(perSecond float64, burst, n, late int, lateBy time.Duration) []time.Duration {
	epoch := time.Unix(0, 0)
	l := rate.NewLimiter(rate.Limit(perSecond), burst) // full
	var out []time.Duration
	at := epoch
	for i := range n {
		if i == late {
			at = at.Add(lateBy) // from when the one before it went
		}
		at = at.Add(l.ReserveN(at, 1).DelayFrom(at))
		out = append(out, at.Sub(epoch))
	}
	return out
}

// TestCatchUpBurst_KeepsThePaceAndTheLimit: with the burst CatchUpBurst gives, a
// request that asks late does not cost the pace (burst 1 loses what it was late
// by), and no window of the vendor's limit holds more than the limit, even with
// every request asking as soon as it may.
func TestCatchUpBurst_KeepsThePaceAndTheLimit(t *testing.T) {
	def := config.Default().Connectors
	for _, tt := range []struct {
		name      string
		perSecond float64
		limit     config.Limit
	}{
		{"IT Glue", def.ITGlue.RequestsPerSecond, def.ITGlue.Limit},
		{"Datto RMM", def.DattoRMM.RequestsPerSecond, def.DattoRMM.Limit},
		{"Datto RMM at its ceiling", 10, def.DattoRMM.Limit},
		{"Autotask", def.Autotask.RequestsPerSecond, def.Autotask.Limit},
		{"Graph reports per tenant", def.M365.ReportsPerTenant, def.M365.ReportsLimitPerTenant},
		{"Graph reports across tenants", def.M365.ReportsAllTenants, def.M365.ReportsLimitAllTenants},
	} {
		t.Run(tt.name, func(t *testing.T) {
			burst := CatchUpBurst(tt.perSecond, tt.limit)
			n := 3*tt.limit.Requests + 10
			turn := time.Duration(float64(time.Second) / tt.perSecond)

			// Every request asks as soon as it may: the most any window holds.
			at := sends(tt.perSecond, burst, n, -1, 0)
			for i, j := 0, 0; j < len(at); j++ {
				for at[j]-at[i] >= tt.limit.Window {
					i++
				}
				if j-i+1 > tt.limit.Requests {
					t.Fatalf("burst %d: %d requests within %v up to %v, over the limit of %d", burst, j-i+1, tt.limit.Window, at[j], tt.limit.Requests)
				}
			}

			// One request asks a turn and a half after the one before it, half a
			// turn after its turn came: with a second token the last request still
			// goes when it would have; with one, it goes half a turn later.
			late := sends(tt.perSecond, burst, n, n/2, 3*turn/2)
			if burst == 2 && late[n-1] != at[n-1] {
				t.Errorf("a request half a turn late delayed the last one from %v to %v", at[n-1], late[n-1])
			}
			if onTime, lost := sends(tt.perSecond, 1, n, -1, 0), sends(tt.perSecond, 1, n, n/2, 3*turn/2); lost[n-1] <= onTime[n-1] {
				t.Errorf("burst 1 lost nothing to the late request (%v); the test shows nothing", lost[n-1])
			}
		})
	}
}
