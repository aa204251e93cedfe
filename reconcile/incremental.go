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
// customer, the clock went back or the last full run is FullEvery old.
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
	ids := append(slices.Clone(c.Customers), ended...)
	slices.Sort(ids)
	return Scope{Customers: append([]uint{}, slices.Compact(ids)...)}, nil
}
