package reconcile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/sweep"
	"github.com/custos-msp/custos/vocab"
)

// AccessVersion is the version of the access check's matching: raise it whenever a
// change to the code gives other decisions or findings for the same records, so that
// the next run checks every customer again.
const AccessVersion = 2

// DefaultFullEvery is how often, at the least, a run of the changed customers checks
// every customer instead: a safety net for a change the journal could not see.
const DefaultFullEvery = 24 * time.Hour

// Fingerprint identifies the access check's settings and version: a run whose
// fingerprint differs from the last run's checks every customer.
func (c *AccessCheck) Fingerprint() string {
	b, err := json.Marshal(struct {
		Version      int
		Grace        sweep.Options
		Severities   map[string]vocab.Severity
		BackupMaxAge time.Duration
	}{AccessVersion, c.Grace, c.Severities, c.BackupMaxAge})
	if err != nil {
		panic("reconcile: access settings do not marshal: " + err.Error()) // plain values always do
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

// CustomerRule is a rule over whole tables whose every finding is about one customer
// and follows only from its settings and that customer's rows the change journal
// watches (authorisations, contacts, the customer's name), so that a run of the
// changed customers evaluates it for those customers alone.
type CustomerRule interface {
	Rule
	perCustomer()
}

// fingerprint identifies the settings of everything a run of the changed customers
// scopes: the access check's and the per-customer rules'.
func (e *Engine) fingerprint() string {
	h := sha256.New()
	h.Write([]byte(e.Access.Fingerprint()))
	for _, r := range e.Rules {
		if _, ok := r.(CustomerRule); ok {
			fmt.Fprintf(h, "\x00%#v", r)
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// changed is the scope of a run of the changed customers at now: the customers the
// journal marked and those whose exclusions ended since the last run, or every
// customer when there was no run yet, the settings changed, a change concerned every
// customer, the clock went back or the last full run is FullEvery old. A customer
// only whose access events, authorisations or verified backups changed is checked
// on the days those changes can affect (days); any other change, or an exclusion
// that ended, checks the whole customer. The per-customer rules are evaluated for
// the customers whose authorisations, contacts or names changed (EventsOnly).
func (e *Engine) changed(ctx context.Context, c store.Changes, settings string, now time.Time) (Scope, error) {
	full := e.FullEvery
	if full == 0 {
		full = DefaultFullEvery
	}
	if !c.Ran || c.Every || c.Last.Settings != settings || now.Before(c.Last.RunAt) || now.Sub(c.Last.FullAt) >= full {
		return Scope{Full: true}, nil
	}
	ended, every, err := e.Store.ExclusionsEnded(ctx, c.Last.RunAt, now)
	if err != nil || every {
		return Scope{Full: every}, err
	}
	scope := Scope{Days: map[uint]store.DaySpan{}, EventsOnly: map[uint]bool{}}
	for _, id := range c.Customers {
		if _, whole := slices.BinarySearch(ended, id); whole {
			continue
		}
		cc := c.Of[id]
		if !cc.Whole && len(cc.Grants) == 0 {
			scope.EventsOnly[id] = true
		}
		d, ok, err := e.days(ctx, id, cc)
		if err != nil {
			return Scope{}, err
		}
		if ok {
			scope.Days[id] = d
		}
	}
	ids := append(slices.Clone(c.Customers), ended...)
	slices.Sort(ids)
	scope.Customers = append([]uint{}, slices.Compact(ids)...)
	return scope, nil
}

// day is a UTC day's length.
const day = 24 * time.Hour

// days returns the span of days of the customer's access events whose decisions or
// findings the changes cc can affect, and false when that is every day. An event
// decides itself alone (the sweep's explanation of an event depends on the
// authorisations, never on other events) and its finding is about the day it
// started, so a changed event's days are checked. A changed authorisation, whose
// earliest time (start, end or revocation) falls on day d or later, can cover or
// be a candidate for accesses that start from its start less the grace before
// onwards (Grace.Before), is named as the one of its technician that ended last by
// the accesses after its end however late (so the span has no end), and is among
// the sweep.Lookahead authorisations beginning after an access for accesses back
// to the start of the Lookahead-th authorisation before d, less the grace; with
// fewer before d, every day. A changed verified backup taken on day d covers or
// explains the removals from d on, up to BackupMaxAge after its day (covered or
// recorded late) or until the next backup of every device is taken, which is the
// nearest for every removal after it (with none, the span has no end).
func (e *Engine) days(ctx context.Context, id uint, cc store.CustomerChanges) (store.DaySpan, bool, error) {
	if cc.Whole {
		return store.DaySpan{}, false, nil
	}
	var from, to time.Time
	open := false
	widen := func(f, t time.Time) {
		if from.IsZero() || f.Before(from) {
			from = f
		}
		if t.After(to) {
			to = t
		}
	}
	for _, d := range cc.Events {
		widen(d, d.Add(day))
	}
	if len(cc.Grants) > 0 {
		d := cc.Grants[0]
		start, ok, err := e.Store.GrantStartBefore(ctx, id, d, sweep.Lookahead)
		if err != nil || !ok {
			return store.DaySpan{}, false, err
		}
		widen(start.Add(-e.Access.Grace.Before), d) // start is before d
		open = true
	}
	if len(cc.Backups) > 0 {
		last := cc.Backups[len(cc.Backups)-1].Add(day)
		next, ok, err := e.Store.BackupOfEveryDeviceAfter(ctx, id, last.Add(-time.Nanosecond))
		if err != nil {
			return store.DaySpan{}, false, err
		}
		end := last.Add(e.Access.BackupMaxAge)
		if ok && next.After(end) {
			end = next
		}
		open = open || !ok
		widen(cc.Backups[0], end)
	}
	if from.IsZero() {
		return store.DaySpan{}, false, nil // marks of no day: check it whole
	}
	span := store.DaySpan{From: from.UTC().Truncate(day)}
	if !open {
		span.To = to.UTC().Add(-time.Nanosecond).Truncate(day).Add(day)
	}
	return span, true, nil
}
