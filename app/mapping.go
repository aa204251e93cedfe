package app

import (
	"context"
	"fmt"

	"github.com/custos-msp/custos/connectors/registry"
	"github.com/custos-msp/custos/mapping"
	"github.com/custos-msp/custos/store"
)

// Unresolved lists what matches no customer, technician or device.
func (a *App) Unresolved(ctx context.Context) ([]store.Unresolved, error) {
	return a.Store.Unresolved(ctx)
}

// Link ties a source's customer, technician or device to the canonical one target
// names (by name or id) and returns the canonical id. The source must be one of the
// connectors Custos has, enabled or not.
func (a *App) Link(ctx context.Context, kind, source, sourceID, target string) (uint, error) {
	if err := mapping.CheckName("kind", kind, mapping.Kinds); err != nil {
		return 0, fmt.Errorf("KIND: %w", err)
	}
	if err := mapping.CheckName("source", source, registry.Names()); err != nil {
		return 0, fmt.Errorf("SOURCE: %w", err)
	}
	m, err := a.LookUp(ctx, "TARGET", kind, target)
	if err != nil {
		return 0, err
	}
	if err := mapping.Link(ctx, a.Store, kind, source, sourceID, m.ID); err != nil {
		return 0, err
	}
	return m.ID, nil
}

// ActiveCustomers lists the customers not offboarded.
func (a *App) ActiveCustomers(ctx context.Context) ([]store.Customer, error) {
	return a.Store.ActiveCustomers(ctx)
}
