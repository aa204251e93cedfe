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
	"github.com/custos-msp/custos/vocab"
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

// ConfirmAbove is how many open findings an exclusion may suppress without being
// confirmed; one that would suppress a critical finding always needs confirming.
const ConfirmAbove = 10

// Impact is what an exclusion would suppress when it is added: the unresolved (open or
// acknowledged) findings its scope covers, and how many of them are critical.
type Impact struct {
	Open, Critical int
}

// NeedsConfirming reports whether an exclusion of this impact must be confirmed:
// above ConfirmAbove findings, or any critical one.
func (i Impact) NeedsConfirming() bool { return i.Open > ConfirmAbove || i.Critical > 0 }

func (i Impact) String() string {
	return fmt.Sprintf("%d open finding(s), %d of them critical", i.Open, i.Critical)
}

// ConfirmError refuses an exclusion that needs confirming and was not confirmed; it
// says what the exclusion would suppress.
type ConfirmError struct{ Impact Impact }

func (e *ConfirmError) Error() string {
	return fmt.Sprintf("the exclusion would suppress %s (more than %d, or a critical one, needs confirming); "+
		"check its scope, then add --yes to confirm", e.Impact, ConfirmAbove)
}

// Exclude adds the exclusion for the scope, reconciles so that it applies at once, and
// returns what it covered when it was added and how many findings it suppresses after
// the reconcile. A name that matches nothing is an error naming the flag it came from.
// An exclusion whose impact needs confirming is refused with a *ConfirmError unless
// confirmed is set.
func (a *App) Exclude(ctx context.Context, x *store.Exclusion, scope ExclusionScope, confirmed bool) (Excluded, error) {
	finder := mapping.NewFinder(a.Store)
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
		m, err := lookUp(ctx, finder, s.flag, s.kind, s.name)
		if err != nil {
			return Excluded{}, err
		}
		*s.id = &m.ID
	}
	impact, err := a.exclusionImpact(ctx, *x)
	done := Excluded{Impact: impact}
	if err != nil {
		return done, err
	}
	if impact.NeedsConfirming() && !confirmed {
		return done, &ConfirmError{Impact: impact}
	}
	if err := a.Store.AddExclusion(ctx, x, a.now()); err != nil {
		return done, err
	}
	if done.Changes, _, err = a.ReconcileChanges(ctx); err != nil {
		return done, fmt.Errorf("exclusion %d added; reconcile after it failed: %w", x.ID, err)
	}
	done.Suppressed, err = findings.SuppressedBy(ctx, a.Store, x.ID)
	return done, err
}

// Excluded is what adding an exclusion did: what its scope covered before, the
// findings the reconcile after it changed, and how many it suppresses.
type Excluded struct {
	Impact     Impact
	Changes    []Change
	Suppressed int64
}

// exclusionImpact counts the unresolved findings the scope of x covers now.
func (a *App) exclusionImpact(ctx context.Context, x store.Exclusion) (Impact, error) {
	fs, err := a.Store.Findings(ctx, store.FindingFilter{CustomerID: x.CustomerID})
	if err != nil {
		return Impact{}, fmt.Errorf("counting what the exclusion would suppress: %w", err)
	}
	var i Impact
	for _, f := range fs {
		if (f.Status == store.StatusOpen || f.Status == store.StatusAcknowledged) && findings.Covers(x, f.Finding) {
			i.Open++
			if f.Severity == vocab.Critical {
				i.Critical++
			}
		}
	}
	return i, nil
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
