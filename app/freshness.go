package app

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/custos-msp/custos/mapping"
	"github.com/custos-msp/custos/store"
)

// ErrNeverSynced is the error of a command that lists what Custos found when no pull
// of any source has ever succeeded: an empty list would say "all clear" without data.
var ErrNeverSynced = errors.New("Nothing has been synced yet: run `custos sync` (no source has been read, so no finding means nothing)")

// Source is how the pulls of one enabled connector have gone, over the scopes shown.
type Source struct {
	Connector string `json:"connector"`
	// Scopes counts the scopes pulled; Failing those whose latest pull failed.
	Scopes  int `json:"scopes"`
	Failing int `json:"failing"`
	// LastRead is when the latest successful pull of any of its scopes finished; nil
	// when none ever succeeded (the source was never read).
	LastRead *time.Time `json:"last_read,omitempty"`
	// FailingSince is when the oldest failure among the failing scopes began.
	FailingSince *time.Time `json:"failing_since,omitempty"`
}

// NeverRead reports whether no pull of the source ever succeeded.
func (s Source) NeverRead() bool { return s.LastRead == nil }

// Freshness says, per enabled connector, when it was last read for the scope shown:
// every customer's, or one customer's and the account-wide ones.
type Freshness struct {
	// Customer is the customer the scopes are those of; empty for every customer.
	Customer string   `json:"customer,omitempty"`
	Sources  []Source `json:"sources"`
	// At is the app's clock when it was read.
	At time.Time `json:"at"`
}

// Freshness reads when each enabled connector was last read, for one customer (as
// LookUp found it) or, when customer is nil, for every customer. When no pull of
// any source has ever succeeded it returns ErrNeverSynced with what it read.
func (a *App) Freshness(ctx context.Context, customer *mapping.Match) (Freshness, error) {
	f := Freshness{At: a.now()}
	healths, err := a.Store.StreamHealths(ctx)
	if err != nil {
		return f, err
	}
	var id *uint
	if customer != nil {
		f.Customer, id = customer.Name, &customer.ID
	}
	f.Sources = summariseSources(a.enabledConnectors(), healths, id)
	if !slices.ContainsFunc(healths, func(h store.StreamHealth) bool { return h.LastOK != nil }) {
		return f, ErrNeverSynced
	}
	return f, nil
}

func (a *App) enabledConnectors() []string {
	names := make([]string, len(a.Connectors))
	for i, c := range a.Connectors {
		names[i] = c.Name()
	}
	return names
}

// summariseSources folds the stream healths into one Source per connector named:
// those of every scope when customer is nil, else those of the customer's scopes and
// of the account-wide ones.
func summariseSources(connectors []string, healths []store.StreamHealth, customer *uint) []Source {
	out := make([]Source, len(connectors))
	for i, name := range connectors {
		s := Source{Connector: name}
		for _, h := range healths {
			if h.Connector != name || !ofCustomer(h, customer) {
				continue
			}
			s.Scopes++
			if h.LastOK != nil && (s.LastRead == nil || h.LastOK.After(*s.LastRead)) {
				s.LastRead = h.LastOK
			}
			if h.FailingSince != nil {
				s.Failing++
				if s.FailingSince == nil || h.FailingSince.Before(*s.FailingSince) {
					s.FailingSince = h.FailingSince
				}
			}
		}
		out[i] = s
	}
	return out
}

// ofCustomer reports whether a stream's scope is one Freshness shows for customer:
// every scope when customer is nil, else the customer's and the account-wide ones. A
// scope of an organization linked to no customer is some unknown customer's: its
// failures are not another customer's (they show for every customer, and as
// findings of their own).
func ofCustomer(h store.StreamHealth, customer *uint) bool {
	switch {
	case customer == nil:
		return true
	case h.CustomerID != nil:
		return *h.CustomerID == *customer
	}
	return !h.Unlinked
}
