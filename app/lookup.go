package app

import (
	"context"
	"fmt"

	"github.com/custos-msp/custos/mapping"
)

// LookUp finds the customer, technician or device (kind is a link kind) that name
// designates, by name or id, as every command does. An unknown or ambiguous name, or
// an id nobody has, is an error that names the flag it came from and wraps a
// *mapping.NotFoundError or *mapping.AmbiguousError.
func (a *App) LookUp(ctx context.Context, flag, kind, name string) (mapping.Match, error) {
	return lookUp(ctx, mapping.NewFinder(a.Store), flag, kind, name)
}

func lookUp(ctx context.Context, f *mapping.Finder, flag, kind, name string) (mapping.Match, error) {
	m, err := f.Find(ctx, kind, name)
	if err != nil {
		return m, fmt.Errorf("%s: %w", flag, err)
	}
	return m, nil
}
