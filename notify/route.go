package notify

import (
	"slices"
	"strings"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/vocab"
)

// Route sends the findings it matches to its receivers. Empty match lists match
// everything.
type Route struct {
	Rules      []string
	Severities []vocab.Severity
	// Customers are customer names, matched case-insensitively.
	Customers []string
	Receivers []string
	// Continue lets the routes after this one match too.
	Continue bool
	// GroupWait, GroupInterval and RepeatInterval are the route's timing; a zero
	// RepeatInterval never repeats.
	GroupWait, GroupInterval, RepeatInterval time.Duration
	// Quiet, when set, holds alerts during its window (in the pipeline's Location).
	Quiet config.Window
	// BusinessHoursOnly holds alerts outside the pipeline's business hours.
	BusinessHoursOnly bool
	// SendResolved tells receivers when an alerted finding resolves.
	SendResolved bool
}

// matches reports whether the route takes a finding of rule and severity for customer.
func (r Route) matches(rule string, severity vocab.Severity, customer string) bool {
	return (len(r.Rules) == 0 || slices.Contains(r.Rules, rule)) &&
		(len(r.Severities) == 0 || slices.Contains(r.Severities, severity)) &&
		(len(r.Customers) == 0 || slices.ContainsFunc(r.Customers, func(c string) bool { return strings.EqualFold(c, customer) }))
}

// target is one receiver a finding goes to, and the route that sent it there.
type target struct {
	receiver string
	route    int
}

// router finds the receivers of a finding: each matching route in order until one
// without continue; a receiver named by several routes is reached through the first.
type router struct {
	routes []Route
}

func (s router) targets(rule string, severity vocab.Severity, customer string) []target {
	var out []target
	seen := map[string]bool{}
	for i, r := range s.routes {
		if !r.matches(rule, severity, customer) {
			continue
		}
		for _, name := range r.Receivers {
			if !seen[name] {
				seen[name] = true
				out = append(out, target{receiver: name, route: i})
			}
		}
		if !r.Continue {
			break
		}
	}
	return out
}

// Hours are business hours: days of the week and a window that does not wrap.
type Hours struct {
	Days []config.Day
	config.Window
}

// contains reports whether the local time t is within business hours.
func (h Hours) contains(t time.Time) bool {
	return slices.Contains(h.Days, config.Day(t.Weekday())) && h.Window.Contains(t)
}

// Digest says when a digest receiver sends its summary.
type Digest struct {
	// Every is hourly, daily or weekly.
	Every string
	// At is the time of day daily and weekly digests go at.
	At config.ClockTime
	// Day is the day weekly digests go on.
	Day config.Day
}

// next returns the first digest time after t, in loc.
func (d Digest) next(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	if d.Every == "hourly" {
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour()+1, 0, 0, 0, loc)
	}
	c := time.Date(t.Year(), t.Month(), t.Day(), d.At.Hour(), d.At.Minute(), 0, 0, loc)
	for !c.After(t) || (d.Every == "weekly" && c.Weekday() != d.Day.Std()) {
		c = time.Date(c.Year(), c.Month(), c.Day()+1, d.At.Hour(), d.At.Minute(), 0, 0, loc)
	}
	return c
}
