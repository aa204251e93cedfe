package config

import (
	"encoding"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/custos-msp/custos/secret"
)

// Problem is one thing wrong with a configuration: the key path and the reason.
type Problem struct {
	Key    string
	Reason string
}

// String formats the problem as "key: reason".
func (p Problem) String() string {
	if p.Key == "" {
		return p.Reason
	}
	return p.Key + ": " + p.Reason
}

// Error lists every problem found in one configuration file.
type Error struct {
	File     string
	Problems []Problem
}

// Error implements error.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = "  " + p.String()
	}
	return fmt.Sprintf("config %s: %d problem(s):\n%s", e.File, len(e.Problems), strings.Join(lines, "\n"))
}

// Check validates a part of the configuration that another package owns (the rules'
// tables, which package reconcile decodes) and returns its problems, each with its key
// path.
type Check func(*Config) []Problem

// Load reads, decodes strictly and validates the file, and runs checks on it. On any
// problem it returns an *Error that lists them all.
func Load(path string, checks ...Check) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(abs, data, checks...)
}

// Parse decodes and validates a file's contents and runs checks on it; path names the
// file in errors and anchors its relative paths. The problems of the checks are listed
// with the rest, sorted by key.
func Parse(path string, data []byte, checks ...Check) (*Config, error) {
	cfg := Default()
	cfg.Dir = filepath.Dir(path)
	md, err := toml.Decode(string(data), &cfg)
	var problems []Problem
	if err != nil {
		// The decoder stops at the first value it cannot read; find every such value,
		// then decode the rest without them, so that one run lists every problem.
		problems, md, err = decodeAround(data, &cfg)
		if err != nil {
			return nil, &Error{File: path, Problems: append(problems, decodeProblem(err))}
		}
	}
	for _, key := range md.Undecoded() {
		if key[0] != "rules" { // the rules' tables are their own decoders' to check
			problems = append(problems, Problem{Key: key.String(), Reason: "unknown key"})
		}
	}
	if cfg.Rules, err = readRuleTables(data); err != nil {
		problems = append(problems, decodeProblem(err))
	}
	// A value that did not decode was left out and is reported once, by its decoder,
	// not again as missing.
	undecodable := map[string]bool{}
	for _, p := range problems {
		undecodable[p.Key] = true
	}
	for _, p := range cfg.Validate() {
		if !undecodable[p.Key] {
			problems = append(problems, p)
		}
	}
	for _, check := range checks {
		problems = append(problems, check(&cfg)...)
	}
	cfg.resolveSecretFiles()
	cfg.Connectors.M365.CertificateFile = cfg.Resolve(cfg.Connectors.M365.CertificateFile)
	cfg.resolveCAFiles()
	if len(problems) > 0 {
		sort.SliceStable(problems, func(i, j int) bool { return problems[i].Key < problems[j].Key })
		return nil, &Error{File: path, Problems: problems}
	}
	return &cfg, nil
}

// decodeAround reads the file as plain data, checks every value that decodes itself
// from text (durations, severities, times of day, schedules, patterns, zones) on its
// own, and decodes the file again without the values that failed. It returns their
// problems, with the key path of each (indices included) and its line, and the
// second decoding's result.
func decodeAround(data []byte, cfg *Config) ([]Problem, toml.MetaData, error) {
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		return nil, toml.MetaData{}, err
	}
	bad := dropBadValues(reflect.TypeFor[Config](), raw, nil)
	if len(bad) == 0 {
		_, err := toml.Decode(string(data), cfg)
		return nil, toml.MetaData{}, err
	}
	var doc map[string]toml.Primitive
	docMeta, err := toml.Decode(string(data), &doc)
	if err != nil {
		return nil, toml.MetaData{}, err
	}
	problems := problemsOf(bad, func(p keyPath) int { return lineOf(docMeta, doc, p) })
	var rest strings.Builder
	if err := toml.NewEncoder(&rest).Encode(raw); err != nil {
		return problems, toml.MetaData{}, err
	}
	dir := cfg.Dir
	*cfg = Default()
	cfg.Dir = dir
	md, err := toml.Decode(rest.String(), cfg)
	return problems, md, err
}

// problemsOf turns bad values into problems, each with its line where line knows it.
func problemsOf(bad []badValue, line func(keyPath) int) []Problem {
	problems := make([]Problem, len(bad))
	for i, b := range bad {
		problems[i] = Problem{Key: b.path.String(), Reason: b.reason}
		if n := line(b.path); n > 0 {
			problems[i].Reason = fmt.Sprintf("line %d: %s", n, b.reason)
		}
	}
	return problems
}

// keyPath is the path of a value in the file: table keys (strings) and list
// indices (ints).
type keyPath []any

// String writes the path as problems name it: notify.routes[0].quiet_hours, with a
// key that is not bare quoted as TOML quotes it (report.customers."Contoso Ltd").
func (p keyPath) String() string {
	var b strings.Builder
	for _, step := range p {
		switch s := step.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", s)
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(toml.Key{s}.String())
		}
	}
	return b.String()
}

// badValue is a value that does not decode into its type, and why.
type badValue struct {
	path   keyPath
	reason string
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// dropBadValues walks the configuration type t alongside the decoded table raw,
// decodes each text value into its type, and removes from raw and reports those that
// do not decode. path is the key path of raw.
func dropBadValues(t reflect.Type, raw map[string]any, path keyPath) []badValue {
	var problems []badValue
	for i := range t.NumField() {
		field := t.Field(i)
		name, _, _ := strings.Cut(field.Tag.Get("toml"), ",")
		if field.Anonymous && name == "" {
			problems = append(problems, dropBadValues(field.Type, raw, path)...)
			continue
		}
		if value, ok := raw[name]; ok && name != "-" {
			bad, drop := badValues(field.Type, value, path.add(name))
			if drop {
				delete(raw, name)
			}
			problems = append(problems, bad...)
		}
	}
	return problems
}

// add returns the path one step further, leaving p as it is.
func (p keyPath) add(step any) keyPath { return append(slices.Clip(p), step) }

// badValues checks one value of type t (or pointer to t) at path: a text value, a
// list of them, or a table (or list or map of tables) to walk, which drops its own
// bad values. drop says the value itself, a text value or a list of them, must go.
func badValues(t reflect.Type, value any, path keyPath) (problems []badValue, drop bool) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
		text, ok := value.(string)
		if !ok {
			return nil, false // a wrong type is the decoder's to report
		}
		if err := reflect.New(t).Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(text)); err != nil {
			return []badValue{{path: path, reason: err.Error()}}, true
		}
		return nil, false
	}
	switch t.Kind() {
	case reflect.Struct:
		if table, ok := value.(map[string]any); ok {
			problems = dropBadValues(t, table, path)
		}
	case reflect.Slice:
		items, _ := value.([]any)
		if tables, ok := value.([]map[string]any); ok {
			for _, table := range tables {
				items = append(items, table)
			}
		}
		for i, item := range items {
			bad, dropItem := badValues(t.Elem(), item, path.add(i))
			problems, drop = append(problems, bad...), drop || dropItem
		}
	case reflect.Map:
		if table, ok := value.(map[string]any); ok {
			for name, item := range table {
				bad, dropItem := badValues(t.Elem(), item, path.add(name))
				if dropItem {
					delete(table, name)
				}
				problems = append(problems, bad...)
			}
		}
	}
	return problems, drop
}

// lineOf finds the line of the value at path in the file that md and doc were
// decoded from, by decoding it into a value that refuses it: the decoder's error
// names the line of the key. It returns 0 when the line is not known: the decoder
// knows a key in a list of several tables ([[notify.routes]]) only by its last one.
func lineOf(md toml.MetaData, doc map[string]toml.Primitive, path keyPath) int {
	var value toml.Primitive
	for i, step := range path {
		switch s := step.(type) {
		case string:
			table := doc
			if i > 0 {
				table = nil // a new map: decoding into doc would add to it
				if md.PrimitiveDecode(value, &table) != nil {
					return 0
				}
			}
			value = table[s]
		case int:
			var list []toml.Primitive
			if md.PrimitiveDecode(value, &list) != nil || s >= len(list) {
				return 0
			}
			if len(list) > 1 && i+1 < len(path) {
				return 0 // a key inside one of several tables
			}
			value = list[s]
		}
	}
	var perr toml.ParseError
	if errors.As(md.PrimitiveDecode(value, &refuse{}), &perr) {
		return perr.Position.Line
	}
	return 0
}

// refuse is a text value that refuses every text, for lineOf.
type refuse struct{}

func (*refuse) UnmarshalText([]byte) error { return errors.New("refused") }

// decodeProblem turns a TOML decoding error into a problem that names the key and the
// line where the decoder knows them.
func decodeProblem(err error) Problem {
	var perr toml.ParseError
	if errors.As(err, &perr) {
		reason := fmt.Sprintf("line %d: %s", perr.Position.Line, perr.Message)
		return Problem{Key: perr.LastKey, Reason: reason}
	}
	// The decoder reports a wrong type as unstructured text, "toml: line N (last key
	// "k"): incompatible types: ...", so the key is only found in the message.
	if m := typeErrorPattern.FindStringSubmatch(err.Error()); m != nil {
		return Problem{Key: m[2], Reason: "line " + m[1] + ": " + m[3]}
	}
	return Problem{Reason: err.Error()}
}

var typeErrorPattern = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]*)"\): (.*)$`)

// resolveSecretFiles anchors every secret file reference at the configuration
// file's directory: every secret.Ref in the configuration, found by walking it, so
// that a new section's secrets cannot be forgotten.
func (c *Config) resolveSecretFiles() {
	refType := reflect.TypeFor[secret.Ref]()
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch {
		case v.Type() == refType:
			r := v.Addr().Interface().(*secret.Ref)
			r.File = c.Resolve(r.File)
		case v.Kind() == reflect.Struct:
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		case v.Kind() == reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		}
	}
	walk(reflect.ValueOf(c).Elem())
}

// SyncSchedule is the sync schedule of the named connector: its own schedule when
// its section sets one, otherwise schedules.sync.
func (c *Config) SyncSchedule(connector string) Schedule {
	cs := c.Connectors
	own := map[string]Schedule{
		"itglue": cs.ITGlue.Schedule, "screenconnect": cs.ScreenConnect.Schedule,
		"dattormm": cs.DattoRMM.Schedule, "autotask": cs.Autotask.Schedule,
		"m365": cs.M365.Schedule, "o365audit": cs.O365Audit.Schedule,
	}[connector]
	if own.IsSet() {
		return own
	}
	return c.Schedules.Sync
}

// Resolve returns path made absolute against the configuration file's directory.
func (c *Config) Resolve(path string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(c.Dir, path)
}
