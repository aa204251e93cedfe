package notify

import (
	"fmt"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/secret"
	"github.com/custos-msp/custos/store"
)

// Builders make the receivers of each type; the daemon passes Teams, Email and
// Webhook constructors (package receivers), tests pass fakes. Keeping them out of
// this package keeps notify free of every channel's dependencies.
type Builders map[string]func(r config.Receiver, deps Deps) (Receiver, error)

// Deps are what receivers are built with.
type Deps struct {
	Client   *http.Client
	Redactor *secret.Redactor
}

// FromConfig builds the pipeline the [notify] section describes.
func FromConfig(cfg config.Notify, st *store.Store, sealer store.Sealer, builders Builders, deps Deps, log zerolog.Logger, now func() time.Time) (*Pipeline, error) {
	p := &Pipeline{
		Store: st, Sealer: sealer, Receivers: map[string]Receiver{}, Digests: map[string]Digest{},
		Location: cfg.TimeZone.Std(), MaxAttempts: cfg.MaxAttempts, MinRetryWait: cfg.MinRetryWait.Std(),
		MaxRetryWait: cfg.MaxRetryWait.Std(), Timeout: cfg.Timeout.Std(), Link: cfg.Link,
		Now: now, Log: log, Redactor: deps.Redactor,
	}
	p.BusinessHours = Hours{
		Days:   cfg.BusinessHours.Days,
		Window: config.Window{Start: cfg.BusinessHours.Start, End: cfg.BusinessHours.End, Set: true},
	}
	for i, rc := range cfg.Receivers {
		build := builders[rc.Type]
		if build == nil {
			return nil, fmt.Errorf("notify.receivers[%d] (%s): no sender for type %q", i, rc.Name, rc.Type)
		}
		r, err := build(rc, deps)
		if err != nil {
			return nil, fmt.Errorf("notify.receivers[%d] (%s): %w", i, rc.Name, err)
		}
		p.Receivers[rc.Name] = r
		if rc.Digest != "" {
			d := Digest{Every: rc.Digest}
			if rc.DigestAt != nil {
				d.At = *rc.DigestAt
			}
			if rc.DigestDay != nil {
				d.Day = *rc.DigestDay
			}
			p.Digests[rc.Name] = d
		}
	}
	for _, rc := range cfg.Routes {
		r := Route{
			Rules: rc.Rules, Severities: rc.Severities, Customers: rc.Customers, Receivers: rc.Receivers,
			Continue: rc.Continue, BusinessHoursOnly: rc.BusinessHoursOnly, SendResolved: rc.SendResolved,
			GroupWait: or(rc.GroupWait, cfg.GroupWait), GroupInterval: or(rc.GroupInterval, cfg.GroupInterval),
			RepeatInterval: or(rc.RepeatInterval, cfg.RepeatInterval), Quiet: rc.QuietHours,
		}
		p.Routes = append(p.Routes, r)
	}
	return p, nil
}

// or is the route's setting when set, else the section's.
func or(route, section interface{ Std() time.Duration }) time.Duration {
	if d := route.Std(); d != 0 {
		return d
	}
	return section.Std()
}
