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
// every problem at once: each key v has no field for and each value that does not
// decode, with its whole key path (rules.<key>.<field>). A value that does not decode
// leaves its default in place.
func (t RuleTables) Decode(key string, v any) []Problem {
	prim, ok := t.tables[key]
	if !ok {
		return nil
	}
	// The decoder keeps its place in the metadata, so one table is decoded at a time.
	t.mu.Lock()
	defer t.mu.Unlock()
	target := reflect.ValueOf(v).Elem()
	defaults := reflect.New(target.Type()).Elem()
	defaults.Set(target)
	err := t.md.PrimitiveDecode(prim, v)
	if err == nil {
		return undecodedIn(t.md, "rules", key)
	}
	first := decodeProblem(err)
	if problems := t.decodeAround(key, prim, target, defaults); problems != nil {
		return problems
	}
	return []Problem{first}
}

// decodeAround decodes the table again without the values that do not decode
// themselves, as Parse does for the rest of the file, and returns every problem. It
// returns nil when every value decodes on its own: the decoder stopped at something
// else (a wrong type), which is then the only problem known.
func (t RuleTables) decodeAround(key string, prim toml.Primitive, target, defaults reflect.Value) []Problem {
	var raw map[string]any
	if err := t.md.PrimitiveDecode(prim, &raw); err != nil {
		return []Problem{decodeProblem(err)}
	}
	bad := dropBadValues(target.Type(), raw, keyPath{"rules", key})
	if len(bad) == 0 {
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
	target.Set(defaults)
	if err := again.md.PrimitiveDecode(again.tables[key], target.Addr().Interface()); err != nil {
		return append(problems, decodeProblem(err))
	}
	return append(problems, undecodedIn(again.md, "rules", key)...)
}

// undecodedIn returns an unknown-key problem for each key under the table path that
// md has not decoded.
func undecodedIn(md *toml.MetaData, path ...string) []Problem {
	var problems []Problem
	for _, k := range md.Undecoded() {
		if len(k) > len(path) && slices.Equal(k[:len(path)], path) {
			problems = append(problems, Problem{Key: k.String(), Reason: "unknown key"})
		}
	}
	return problems
}
