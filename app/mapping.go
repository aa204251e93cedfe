package app

import (
	"context"

	"github.com/custos-msp/custos/mapping"
	"github.com/custos-msp/custos/store"
)

// Unresolved lists what matches no customer, technician or device.
func (a *App) Unresolved(ctx context.Context) ([]store.Unresolved, error) {
	return a.Store.Unresolved(ctx)
}

// Link ties a source's customer, technician or device to the canonical one target
// names (by name or id) and returns the canonical id.
func (a *App) Link(ctx context.Context, kind, source, sourceID, target string) (uint, error) {
	id, err := mapping.FindTarget(ctx, a.Store, kind, target)
	if err != nil {
		return 0, err
	}
	return id, mapping.Link(ctx, a.Store, kind, source, sourceID, id)
}

// ActiveCustomers lists the customers not offboarded.
func (a *App) ActiveCustomers(ctx context.Context) ([]store.Customer, error) {
	return a.Store.ActiveCustomers(ctx)
}
