package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/custos-msp/custos/store"
)

// SubjectErasure is what an erasure did, and what it could not do inside the store.
type SubjectErasure struct {
	store.Erased
	// StillConfigured names the [[technicians]] entries of the configuration that
	// still name the person: the next sync would bring the names back until they
	// are removed from the file.
	StillConfigured []string
}

// SubjectRecords works out who person names and lists every record about them.
func (a *App) SubjectRecords(ctx context.Context, person string) (store.Subject, []store.SubjectSection, error) {
	subj, err := a.Store.FindSubject(ctx, person)
	if err != nil {
		return subj, nil, err
	}
	sections, err := a.Store.SubjectRecords(ctx, subj)
	return subj, sections, err
}

// EraseSubject erases the person query names (store.EraseSubject) and says which
// configured technicians still name them.
func (a *App) EraseSubject(ctx context.Context, query, requestedBy, reason string) (SubjectErasure, error) {
	subj, err := a.Store.FindSubject(ctx, query)
	if err != nil {
		return SubjectErasure{}, err
	}
	erased, err := a.Store.EraseSubject(ctx, subj, requestedBy, reason, a.now())
	if err != nil {
		return SubjectErasure{}, err
	}
	out := SubjectErasure{Erased: erased}
	for i, t := range a.Config.Technicians {
		names := append([]string{t.Name, t.Email}, t.Aliases...)
		if slices.ContainsFunc(names, func(n string) bool {
			return slices.ContainsFunc(subj.Identifiers, func(id string) bool { return strings.EqualFold(id, n) })
		}) {
			out.StillConfigured = append(out.StillConfigured, fmt.Sprintf("[[technicians]] entry %d", i+1))
		}
	}
	return out, nil
}
