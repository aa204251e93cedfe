package reconcile

import (
	"slices"
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/store"
)

func TestNotifyFailing(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	at := func(ago time.Duration) *time.Time { t := now.Add(-ago); return &t }
	health := func(name string, failing, accepted *time.Time, waiting int) store.ReceiverHealth {
		h := store.ReceiverHealth{Waiting: waiting, NotifyReceiver: store.NotifyReceiver{
			Receiver: name, FailingSince: failing, LastAcceptedAt: accepted, LastError: "webhook: HTTP 404 Not Found",
		}}
		if failing != nil {
			h.LastFailedAt = at(5 * time.Minute)
		}
		return h
	}
	cfg := config.Default()
	for _, name := range []string{"teams", "mail", "hook", "pager"} {
		cfg.Notify.Receivers = append(cfg.Notify.Receivers, config.Receiver{Name: name})
	}
	set, problems := Configure(&cfg)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	i := slices.IndexFunc(set.Rules, func(r Rule) bool { return r.ID() == RuleNotifyFailing })
	if i < 0 {
		t.Fatal("NOTIFY-FAILING is not built")
	}
	rule := set.Rules[i]
	in := &Input{Receivers: []store.ReceiverHealth{
		health("teams", at(3*time.Hour), at(4*time.Hour), 3), // fires: failing 3h, 3 waiting
		health("mail", at(30*time.Minute), nil, 1),           // failing, but not for an hour yet
		health("hook", nil, at(time.Minute), 0),              // accepting again: resolved
		health("pager", at(2*time.Hour), nil, 2),             // fires: never accepted
		health("removed", at(5*time.Hour), nil, 4),           // no longer configured
	}}
	fs := assertFindings(t, rule, in, now, []string{"notify-failing:teams", "notify-failing:pager"}, "has failed every message since")
	if len(fs) != 2 {
		t.FailNow()
	}
	want := []string{
		"receiver teams has failed every message since 2026-11-23 09:00 UTC (3h; allowed 1h) and last accepted one 2026-11-23 08:00 UTC; findings waiting for it: 3; last error (2026-11-23 11:55 UTC): webhook: HTTP 404 Not Found",
		"receiver pager has failed every message since 2026-11-23 10:00 UTC (2h; allowed 1h) and has never accepted one; findings waiting for it: 2; last error (2026-11-23 11:55 UTC): webhook: HTTP 404 Not Found",
	}
	for i, f := range fs {
		if f.Summary != want[i] || f.CustomerID != nil || f.Severity != "high" {
			t.Errorf("finding %d = %+v\nwant summary %q", i, f, want[i])
		}
	}
}
