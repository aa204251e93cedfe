package mapping

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/custos-msp/custos/store"
)

// Kinds are the link kinds a lookup finds.
var Kinds = []string{store.LinkCustomer, store.LinkTechnician, store.LinkDevice}

// Match is the customer, technician or device a name designates.
type Match struct {
	ID   uint
	Name string
}

// NotFoundError says that no customer, technician, device (Kind), or no other thing
// CheckName checks, is called Name, with the nearest names there are; or, when ByID is set, that none has the id
// Name.
type NotFoundError struct {
	Kind, Name  string
	ByID        bool
	Suggestions []string
}

func (e *NotFoundError) Error() string {
	if e.ByID {
		return fmt.Sprintf("no %s has id %s", e.Kind, e.Name)
	}
	msg := fmt.Sprintf("no %s is called %q", e.Kind, e.Name)
	if len(e.Suggestions) == 0 {
		return msg
	}
	quoted := make([]string, len(e.Suggestions))
	for i, s := range e.Suggestions {
		quoted[i] = strconv.Quote(s)
	}
	alternatives := quoted[len(quoted)-1]
	if len(quoted) > 1 {
		alternatives = strings.Join(quoted[:len(quoted)-1], ", ") + " or " + alternatives
	}
	return msg + "; did you mean " + alternatives + "?"
}

// AmbiguousError says that several customers, technicians or devices (Kind) are called
// Name once normalised, and which.
type AmbiguousError struct {
	Kind, Name string
	Candidates []Match
}

func (e *AmbiguousError) Error() string {
	names := make([]string, len(e.Candidates))
	for i, c := range e.Candidates {
		names[i] = fmt.Sprintf("%q (id %d)", c.Name, c.ID)
	}
	return fmt.Sprintf("%d %ss are called %q: %s; give the id instead", len(e.Candidates), e.Kind, e.Name, strings.Join(names, ", "))
}

// maxSuggestions is how many names a *NotFoundError suggests at most.
const maxSuggestions = 3

// normalisers are the keys each link kind is matched by, as the store keeps them.
var normalisers = map[string]func(string) string{
	store.LinkCustomer: NormaliseName, store.LinkTechnician: NormalisePerson, store.LinkDevice: NormaliseHost,
}

// Finder looks up customers, technicians and devices by name or id, the same way for
// every command. It reads each kind's rows once, so a file that names many rows asks
// the database once per kind.
type Finder struct {
	st   *store.Store
	rows map[string][]store.Canonical
}

// NewFinder returns a Finder over the store's customers, technicians and devices.
func NewFinder(st *store.Store) *Finder {
	return &Finder{st: st, rows: map[string][]store.Canonical{}}
}

// Lookup finds the one customer, technician or device (kind is a link kind) that name
// designates, with a Finder of its own.
func Lookup(ctx context.Context, st *store.Store, kind, name string) (Match, error) {
	return NewFinder(st).Find(ctx, kind, name)
}

// Find returns the one customer, technician or device (kind is a link kind) that name
// designates: a name of digits is an id, which must exist; any other is compared
// exactly, then normalised as automatic matching compares it (case, punctuation, a
// company's legal form, the order of a person's names, a host's domain). A name that
// matches nothing is a *NotFoundError with the nearest names; one that matches several
// rows an *AmbiguousError. Any other error is the database's.
func (f *Finder) Find(ctx context.Context, kind, name string) (Match, error) {
	normalise, ok := normalisers[kind]
	if !ok {
		return Match{}, fmt.Errorf("mapping: %q is not a link kind (customer, technician or device)", kind)
	}
	rows, err := f.canonical(ctx, kind)
	if err != nil {
		return Match{}, err
	}
	name = strings.TrimSpace(name)
	if id, err := strconv.ParseUint(name, 10, 0); err == nil {
		if i := slices.IndexFunc(rows, func(r store.Canonical) bool { return uint64(r.ID) == id }); i >= 0 {
			return Match{ID: rows[i].ID, Name: rows[i].Name}, nil
		}
		return Match{}, &NotFoundError{Kind: kind, Name: name, ByID: true}
	}
	key := normalise(name)
	for _, same := range []func(store.Canonical) bool{
		func(r store.Canonical) bool { return r.Name == name },
		func(r store.Canonical) bool { return key != "" && r.MatchKey == key },
	} {
		var found []Match
		for _, r := range rows {
			if same(r) {
				found = append(found, Match{ID: r.ID, Name: r.Name})
			}
		}
		switch {
		case len(found) == 1:
			return found[0], nil
		case len(found) > 1:
			return Match{}, &AmbiguousError{Kind: kind, Name: name, Candidates: found}
		}
	}
	keys := make([]string, len(rows))
	names := make([]string, len(rows))
	for i, r := range rows {
		keys[i], names[i] = r.MatchKey, r.Name
	}
	return Match{}, &NotFoundError{Kind: kind, Name: name, Suggestions: nearest(key, keys, names)}
}

// canonical returns the rows of kind, read once.
func (f *Finder) canonical(ctx context.Context, kind string) ([]store.Canonical, error) {
	if rows, ok := f.rows[kind]; ok {
		return rows, nil
	}
	rows, err := f.st.CanonicalNames(ctx, kind)
	if err != nil {
		return nil, fmt.Errorf("mapping: %w", err)
	}
	f.rows[kind] = rows
	return rows, nil
}

// CheckName returns nil when name is one of known, the names of what kind says (the
// connectors, as sources; Kinds), and otherwise a *NotFoundError that suggests the
// nearest. Case counts: the names are identifiers.
func CheckName(kind, name string, known []string) error {
	if slices.Contains(known, name) {
		return nil
	}
	return &NotFoundError{Kind: kind, Name: name, Suggestions: nearest(strings.ToLower(strings.TrimSpace(name)), known, known)}
}

// nearest returns the names (names[i] is the name of keys[i]) whose key, or the start
// of it as long as key, is within a third of key's length in edits (at least 2), so
// that "Nortwind" suggests "Northwind Traders". The closest come first, at most
// maxSuggestions, each name once.
func nearest(key string, keys, names []string) []string {
	if key == "" {
		return nil
	}
	limit := max(2, len([]rune(key))/3)
	type scored struct {
		name     string
		distance int
	}
	var close []scored
	for i, k := range keys {
		if k == "" {
			continue
		}
		start := k
		if r := []rune(k); len(r) > len([]rune(key)) {
			start = string(r[:len([]rune(key))])
		}
		if d := min(editDistance(key, k), editDistance(key, start)); d <= limit {
			close = append(close, scored{names[i], d})
		}
	}
	slices.SortFunc(close, func(a, b scored) int { return cmp.Or(a.distance-b.distance, strings.Compare(a.name, b.name)) })
	var out []string
	for _, s := range close {
		if len(out) == maxSuggestions {
			break
		}
		if !slices.Contains(out, s.name) {
			out = append(out, s.name)
		}
	}
	return out
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := range ra {
		cur := make([]int, len(rb)+1)
		cur[0] = i + 1
		for j := range rb {
			cost := 1
			if ra[i] == rb[j] {
				cost = 0
			}
			cur[j+1] = min(prev[j+1]+1, cur[j]+1, prev[j]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}
