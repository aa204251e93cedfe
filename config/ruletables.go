package config

import (
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
)

// RuleTables holds the file's [rules.*] tables undecoded. Each rule's settings are
// its own type in package reconcile, which decodes its table with Decode; config
// only knows how to read a table strictly.
type RuleTables struct {
	md     *toml.MetaData
	mu     *sync.Mutex
	tables map[string]toml.Primitive
}

// readRuleTables reads the [rules] section of a file's contents, leaving each table
// undecoded. The file is read once more on its own, so that a problem in a rule's
// table is reported at its line in the file even when the rest of the file had to be
// decoded around a bad value.
func readRuleTables(data []byte) (RuleTables, error) {
	var doc struct {
		Rules map[string]toml.Primitive `toml:"rules"`
	}
	md, err := toml.Decode(string(data), &doc)
	if err != nil {
		return RuleTables{}, err
	}
	return RuleTables{md: &md, mu: new(sync.Mutex), tables: doc.Rules}, nil
}

// Keys lists the names of the tables the file has, sorted.
func (t RuleTables) Keys() []string {
	keys := make([]string, 0, len(t.tables))
	for k := range t.tables {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Decode decodes the table [rules.<key>], when the file has one, into v, a pointer to
// a struct that holds the defaults. It decodes strictly, and like Parse it reports
// every problem at once: each key v has no field for (with the nearest it has) and
// each value that does not decode, with its whole key path (rules.<key>.<field>) and
// line. A value that does not decode leaves its default in place.
func (t RuleTables) Decode(key string, v any) []Problem {
	prim, ok := t.tables[key]
	if !ok {
		return nil
	}
	// The decoder keeps its place in the metadata, so one table is decoded at a time.
	t.mu.Lock()
	defer t.mu.Unlock()
	var raw map[string]any
	if err := t.md.PrimitiveDecode(prim, &raw); err != nil {
		return []Problem{decodeProblem(err)}
	}
	bad := checkTable(reflect.TypeOf(v).Elem(), raw, keyPath{"rules", key})
	if len(bad) == 0 {
		if err := t.md.PrimitiveDecode(prim, v); err != nil {
			return []Problem{decodeProblem(err)}
		}
		return nil
	}
	// The tables were read from the file itself, so every bad value's line is known.
	problems := problemsOf(bad, func(p keyPath) int { return lineOf(*t.md, t.tables, p[1:]) })
	var rest strings.Builder
	if err := toml.NewEncoder(&rest).Encode(map[string]any{"rules": map[string]any{key: raw}}); err != nil {
		return append(problems, Problem{Key: "rules." + key, Reason: err.Error()})
	}
	again, err := readRuleTables([]byte(rest.String()))
	if err != nil {
		return append(problems, decodeProblem(err))
	}
	if err := again.md.PrimitiveDecode(again.tables[key], v); err != nil {
		return append(problems, decodeProblem(err))
	}
	return problems
}
