package mapping

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/store"
)

// technicianIndex finds technicians by the names tools know them by.
type technicianIndex struct {
	byKey, byEmail, byAlias map[string]uint
}

func (ix *technicianIndex) add(t store.Technician) {
	ix.byKey[t.Key] = t.ID
	if t.Email != "" {
		ix.byEmail[strings.ToLower(t.Email)] = t.ID
	}
	for _, a := range strings.Split(t.Aliases, "|") {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
			ix.byAlias[a] = t.ID
		}
	}
}

// match returns the technician that one of names designates and how it was matched:
// an alias first (exact, case-insensitive), then an e-mail address, then the
// normalised person name.
func (ix *technicianIndex) match(names ...string) (uint, string) {
	for _, n := range names {
		if id, ok := ix.byAlias[strings.ToLower(strings.TrimSpace(n))]; ok && n != "" {
			return id, MethodAlias
		}
	}
	for _, n := range names {
		if id, ok := ix.byEmail[strings.ToLower(strings.TrimSpace(n))]; ok && strings.Contains(n, "@") {
			return id, MethodEmail
		}
	}
	for _, n := range names {
		if id, ok := ix.byKey[NormalisePerson(n)]; ok && NormalisePerson(n) != "" {
			return id, MethodName
		}
	}
	return 0, ""
}

// resolveTechnicians brings the configured technicians into the store, links every
// tool account and every actor name of access events that it can to a technician
// (creating technicians from tool accounts, which only the MSP's staff have). It
// returns how many links it made; Resolve copies their ids onto the records.
func resolveTechnicians(ids *store.Identities, configured []config.Technician, partnerDomains []string) (int, error) {
	if err := upsertConfiguredTechnicians(ids, configured); err != nil {
		return 0, err
	}
	all, err := ids.Technicians()
	if err != nil {
		return 0, fmt.Errorf("mapping: %w", err)
	}
	ix := &technicianIndex{byKey: map[string]uint{}, byEmail: map[string]uint{}, byAlias: map[string]uint{}}
	for _, t := range all {
		ix.add(t)
	}
	linked, err := linkAccounts(ids, ix)
	if err != nil {
		return 0, err
	}
	n, err := linkActors(ids, ix, partnerDomains)
	return linked + n, err
}

// upsertConfiguredTechnicians creates or updates the technicians the configuration
// lists, leaving those already as configured untouched.
func upsertConfiguredTechnicians(ids *store.Identities, configured []config.Technician) error {
	for _, c := range configured {
		key := NormalisePerson(c.Name)
		t, err := ids.TechnicianByKey(key)
		if err != nil {
			return fmt.Errorf("mapping: %w", err)
		}
		was := t
		t.Name, t.Key, t.Email, t.Aliases = c.Name, key, c.Email, strings.Join(c.Aliases, "|")
		if t.ID != 0 && t == was {
			// Saving would seal the same name again under a new nonce, which the
			// reconcile journal would take for a rename.
			continue
		}
		if err := ids.SaveTechnician(&t); err != nil {
			return fmt.Errorf("mapping: %w", err)
		}
	}
	return nil
}

// linkAccounts links each unlinked tool account to its technician, creating the
// technician when none matches.
func linkAccounts(ids *store.Identities, ix *technicianIndex) (int, error) {
	accounts, err := ids.UnlinkedUserAccounts()
	if err != nil {
		return 0, fmt.Errorf("mapping: %w", err)
	}
	for _, a := range accounts {
		id, method := ix.match(a.SourceID, a.Email, a.Name)
		if id == 0 {
			name := cmp.Or(strings.TrimSpace(a.Name), a.SourceID)
			t := store.Technician{Name: name, Key: NormalisePerson(name), Email: a.Email}
			if err := ids.SaveTechnician(&t); err != nil {
				return 0, fmt.Errorf("mapping: creating technician for %s user %s: %w", a.Source, a.SourceID, err)
			}
			ix.add(t)
			id, method = t.ID, MethodCreated
		}
		if err := createLink(ids, a.Source, store.LinkTechnician, a.SourceID, id, method); err != nil {
			return 0, err
		}
	}
	return len(accounts), nil
}

// linkActors links the actor names of access events that match a technician, a
// partner technician's Microsoft 365 forms included.
func linkActors(ids *store.Identities, ix *technicianIndex, partnerDomains []string) (int, error) {
	actors, err := ids.UnlinkedActors()
	if err != nil {
		return 0, fmt.Errorf("mapping: %w", err)
	}
	linked := 0
	done := map[[2]string]bool{}
	for _, a := range actors {
		k := [2]string{a.Source, a.ActorRef}
		if done[k] {
			continue // the same name with two display names
		}
		id, method := ix.match(append([]string{a.ActorRef, a.ActorName}, PartnerNames(a.ActorRef, partnerDomains)...)...)
		if id == 0 {
			continue
		}
		if err := createLink(ids, a.Source, store.LinkTechnician, a.ActorRef, id, method); err != nil {
			return 0, err
		}
		done[k] = true
		linked++
	}
	return linked, nil
}

func createLink(ids *store.Identities, source, kind, sourceID string, target uint, method string) error {
	if err := ids.CreateLink(&store.Link{Source: source, Kind: kind, SourceID: sourceID, TargetID: target, Method: method}); err != nil {
		return fmt.Errorf("mapping: %w", err)
	}
	return nil
}

// NormalisePerson reduces a person's name to the key automatic matching compares:
// lower case, punctuation dropped and the words sorted, so that "Alice Smith",
// "smith, alice" and "Alice  SMITH" match.
func NormalisePerson(name string) string {
	words := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	slices.Sort(words)
	return strings.Join(words, " ")
}
