package app

import (
	"context"
	"fmt"
)

// ScopeNames returns how a person knows a connector's scope: the name of the
// customer mapping linked it to, else the name its connector gave it (scopeName),
// else its id. Names are read through the store, which unseals them.
func (a *App) ScopeNames(ctx context.Context) (func(connector, scope, scopeName string) string, error) {
	linked, err := a.Store.ScopeCustomers(ctx)
	if err != nil {
		return nil, fmt.Errorf("naming scopes: %w", err)
	}
	names, err := a.Store.ReadNames(ctx)
	if err != nil {
		return nil, fmt.Errorf("naming scopes: %w", err)
	}
	return func(connector, scope, scopeName string) string {
		if id, ok := linked[[2]string{connector, scope}]; ok && names.Customers[id] != "" {
			return names.Customers[id]
		}
		if scopeName != "" {
			return scopeName
		}
		return scope
	}, nil
}
