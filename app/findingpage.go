package app

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"

	"github.com/custos-msp/custos/store"
)

// FindingPage lists the page of findings q selects, in q's order, and how many q
// selects in all.
func (a *App) FindingPage(ctx context.Context, q store.FindingQuery) ([]store.FindingView, int64, error) {
	return a.Store.FindingPage(ctx, q)
}

// Finding reads finding id with its customer's name; the error wraps
// store.ErrNotFound when there is none.
func (a *App) Finding(ctx context.Context, id uint) (store.FindingView, error) {
	return a.Store.FindingByRef(ctx, strconv.FormatUint(uint64(id), 10))
}

// FindingHistory lists what people and the lifecycle did to finding id, oldest first.
func (a *App) FindingHistory(ctx context.Context, id uint) ([]store.FindingEvent, error) {
	return a.Store.FindingHistory(ctx, id)
}

// FindingTallies counts the findings of each of statuses by customer, severity and
// status.
func (a *App) FindingTallies(ctx context.Context, statuses ...string) ([]store.FindingTally, error) {
	return a.Store.FindingTallies(ctx, statuses)
}

// CustomerAndTechnicianNames names every customer and technician by id, for a
// person to choose one from.
func (a *App) CustomerAndTechnicianNames(ctx context.Context) (store.Names, error) {
	return a.Store.CustomerAndTechnicianNames(ctx)
}

// UncheckedCustomer is a customer that sources have scopes of its own for (its
// Microsoft 365 tenant, its RMM site) and that one of them cannot vouch for: none of
// those scopes was ever read successfully, or the latest pull of one failed.
type UncheckedCustomer struct {
	CustomerID uint   `json:"customer_id"`
	Customer   string `json:"customer"`
	// Sources are those of the customer's own scopes that never read one or are
	// failing, each summed up as Freshness sums up a source.
	Sources []Source `json:"sources"`
}

// Checked says what Custos has read: the Freshness of every customer's sources
// (with ErrNeverSynced when no pull of any source ever succeeded), and the customers
// whose own scopes a source cannot vouch for, by name. A customer that no source
// has a scope of its own for is read through account-wide scopes only, and the
// sources' freshness speaks for it.
func (a *App) Checked(ctx context.Context) (Freshness, []UncheckedCustomer, error) {
	fresh, freshErr := a.Freshness(ctx, nil)
	if freshErr != nil && !errors.Is(freshErr, ErrNeverSynced) {
		return fresh, nil, freshErr
	}
	healths, err := a.Store.StreamHealths(ctx)
	if err != nil {
		return fresh, nil, err
	}
	byCustomer := map[uint][]store.StreamHealth{}
	for _, h := range healths {
		if h.CustomerID != nil {
			byCustomer[*h.CustomerID] = append(byCustomer[*h.CustomerID], h)
		}
	}
	if len(byCustomer) == 0 {
		return fresh, nil, freshErr
	}
	names, err := a.Store.CustomerAndTechnicianNames(ctx)
	if err != nil {
		return fresh, nil, err
	}
	var out []UncheckedCustomer
	for id, own := range byCustomer {
		var bad []Source
		// Given no customer, summariseSources folds every scope it is given: here
		// the customer's own.
		for _, s := range summariseSources(a.enabledConnectors(), own, nil) {
			if s.Scopes > 0 && (s.NeverRead() || s.Failing > 0) {
				bad = append(bad, s)
			}
		}
		if len(bad) > 0 {
			out = append(out, UncheckedCustomer{CustomerID: id, Customer: names.Customers[id], Sources: bad})
		}
	}
	slices.SortFunc(out, func(x, y UncheckedCustomer) int {
		return cmp.Or(cmp.Compare(x.Customer, y.Customer), cmp.Compare(x.CustomerID, y.CustomerID))
	})
	return fresh, out, freshErr
}
