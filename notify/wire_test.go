package notify_test

import (
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/notify"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// TestFromConfig_QuietHoursAcrossMidnightHoldAlerts: a route's quiet_hours that wrap
// past midnight, read in notify.timezone, hold its alerts from the evening until
// they end the next morning.
func TestFromConfig_QuietHoursAcrossMidnightHoldAlerts(t *testing.T) {
	doc := `
[seal]
key = { env = "CUSTOS_SEAL_KEY" }

[notify]
timezone = "Asia/Tokyo" # UTC+9: t0, 10:00 UTC, is 19:00 there

[[notify.receivers]]
name = "hook"
type = "webhook"
webhook.url = { env = "HOOK_URL" }
webhook.hmac_secret = { env = "HOOK_SECRET" }

[[notify.routes]]
receivers = ["hook"]
quiet_hours = "22:00-07:00"
`
	cfg, err := config.Parse("/etc/custos/custos.toml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		hook := f.p.Receivers["hook"]
		builders := notify.Builders{"webhook": func(config.Receiver, notify.Deps) (notify.Receiver, error) { return hook, nil }}
		f.p, err = notify.FromConfig(cfg.Notify, st, f.p.Sealer, builders, notify.Deps{}, zerolog.Nop(), f.clock.now)
		if err != nil {
			t.Fatal(err)
		}
		f.clock.t = t0.Add(4 * time.Hour) // 23:00 in Tokyo
		f.reconcile(t, f.finding("fw01", "critical"))
		steps := []struct {
			name      string
			at        time.Duration
			held      string
			delivered int
		}{
			{"late evening", 4*time.Hour + time.Minute, "quiet hours", 0},
			{"after midnight", 8 * time.Hour, "quiet hours", 0},
			{"a minute before the end", 11*time.Hour + 59*time.Minute, "quiet hours", 0},
			{"when they end", 12 * time.Hour, "", 1},
		}
		for _, s := range steps {
			res := f.run(t, s.at)
			held := ""
			for _, p := range res.Planned {
				held += p.Held
			}
			if held != s.held || len(f.delivered(t)) != s.delivered {
				t.Errorf("%s (%s in Tokyo): held %q with %d delivered, want %q with %d", s.name,
					t0.Add(s.at).In(cfg.Notify.TimeZone.Std()).Format("15:04"), held, len(f.delivered(t)), s.held, s.delivered)
			}
		}
	})
}
