package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/custos-msp/custos/explain"
	"github.com/custos-msp/custos/findings"
	"github.com/custos-msp/custos/mapping"
	"github.com/custos-msp/custos/store"
)

// Findings lists the findings the filter matches.
func (a *App) Findings(ctx context.Context, f store.FindingFilter) ([]store.FindingView, error) {
	return a.Store.Findings(ctx, f)
}

// Explain writes why the access event or finding ref names was or was not covered,
// with times in loc.
func (a *App) Explain(ctx context.Context, w io.Writer, ref explain.Ref, loc *time.Location) error {
	return explain.Explainer{Store: a.Store, Location: loc}.Write(ctx, w, ref)
}

// ExclusionScope names, by name or id, the customer, technician and device an
// exclusion is for; an empty one is any.
type ExclusionScope struct {
	Customer, Technician, Device string
}

// Exclude adds the exclusion for the scope, reconciles so that it applies at once, and
// returns how many findings it suppresses. A name that matches nothing is an error
// naming the flag it came from.
func (a *App) Exclude(ctx context.Context, x *store.Exclusion, scope ExclusionScope) (int64, error) {
	for _, s := range []struct {
		flag, kind, name string
		id               **uint
	}{
		{"--customer", store.LinkCustomer, scope.Customer, &x.CustomerID},
		{"--technician", store.LinkTechnician, scope.Technician, &x.TechnicianID},
		{"--device", store.LinkDevice, scope.Device, &x.DeviceID},
	} {
		if s.name == "" {
			continue
		}
		id, err := mapping.FindTarget(ctx, a.Store, s.kind, s.name)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", s.flag, err)
		}
		*s.id = &id
	}
	if err := a.Store.AddExclusion(ctx, x, a.now()); err != nil {
		return 0, err
	}
	if _, err := a.Reconcile(ctx); err != nil {
		return 0, fmt.Errorf("exclusion %d added; reconcile after it failed: %w", x.ID, err)
	}
	return findings.SuppressedBy(ctx, a.Store, x.ID)
}

// Exclusions lists the exclusions in force now (with all, ended and expired ones
// too), with the names of what they are for.
func (a *App) Exclusions(ctx context.Context, all bool) ([]store.Exclusion, store.Names, error) {
	xs, err := a.Store.Exclusions(ctx, a.now(), all)
	if err != nil {
		return nil, store.Names{}, err
	}
	names, err := a.Store.ReadNames(ctx)
	return xs, names, err
}

// EndExclusion ends an exclusion now; the findings it suppressed open again at the
// next reconcile.
func (a *App) EndExclusion(ctx context.Context, id uint, by string) error {
	return a.Store.EndExclusion(ctx, id, by, a.now())
}
