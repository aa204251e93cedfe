package config

import (
	"encoding"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// The TOML decoder stops at the first value it cannot read. To list every problem of
// a file at once, the file is first read as plain data and checked against the
// configuration's types, the way the decoder would decode it: every key a type has no
// field for, every value of the wrong type and every text value its type refuses is
// reported with its key path and line, and removed; what is left then decodes.

// decodeStrict decodes data into cfg, less every value that would not decode, and
// returns a problem for each of those. The [rules] tables are left to
// readRuleTables. The error is one that leaves nothing to decode (a syntax error).
func decodeStrict(data []byte, cfg *Config) ([]Problem, error) {
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		return nil, err
	}
	delete(raw, "rules")
	bad := checkTable(reflect.TypeFor[Config](), raw, nil)
	if len(bad) == 0 {
		_, err := toml.Decode(string(data), cfg)
		return nil, err
	}
	var doc map[string]toml.Primitive
	md, err := toml.Decode(string(data), &doc)
	if err != nil {
		return nil, err
	}
	problems := problemsOf(bad, func(p keyPath) int { return lineOf(md, doc, p) })
	var rest strings.Builder
	if err := toml.NewEncoder(&rest).Encode(raw); err != nil {
		return problems, err
	}
	_, err = toml.Decode(rest.String(), cfg)
	return problems, err
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

// add returns the path one step further, leaving p as it is.
func (p keyPath) add(step any) keyPath { return append(slices.Clip(p), step) }

// badValue is a value that does not decode into its type, and why.
type badValue struct {
	path   keyPath
	reason string
}

var (
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	tomlUnmarshaler = reflect.TypeFor[toml.Unmarshaler]()
)

// field is a key a struct type decodes, the type of its value, and where the value
// is in the struct (reflect.Value.FieldByIndex).
type field struct {
	name  string
	typ   reflect.Type
	index []int
}

// fieldsOf lists the keys of struct type t as the decoder finds them: by their toml
// tag (the Go name without one), an embedded struct's keys as the parent's, fields
// tagged "-" and unexported fields left out.
func fieldsOf(t reflect.Type) []field {
	var fields []field
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		switch {
		case name == "-" || (!f.IsExported() && !f.Anonymous):
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			for _, embedded := range fieldsOf(f.Type) {
				embedded.index = append([]int{i}, embedded.index...)
				fields = append(fields, embedded)
			}
		case name == "":
			fields = append(fields, field{f.Name, f.Type, []int{i}})
		default:
			fields = append(fields, field{name, f.Type, []int{i}})
		}
	}
	return fields
}

// lookup finds the field a key decodes into: the one of that name, else one whose
// name differs only in case, as the decoder matches.
func lookup(fields []field, key string) (field, bool) {
	for _, f := range fields {
		if f.name == key {
			return f, true
		}
	}
	for _, f := range fields {
		if strings.EqualFold(f.name, key) {
			return f, true
		}
	}
	return field{}, false
}

// checkTable checks the table raw at path against the struct type t: each key t has
// no field for is reported, with the nearest key it has when one is close, and each
// value that would not decode into its field; both are removed from raw. An unknown
// table is one problem, whatever it holds.
func checkTable(t reflect.Type, raw map[string]any, path keyPath) []badValue {
	fields := fieldsOf(t)
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	var bad []badValue
	for _, key := range slices.Sorted(maps.Keys(raw)) {
		f, ok := lookup(fields, key)
		if !ok {
			bad = append(bad, badValue{path: path.add(key), reason: "unknown key" + DidYouMean(key, names)})
			delete(raw, key)
			continue
		}
		found, drop := badValues(f.typ, raw[key], path.add(key))
		if drop {
			delete(raw, key)
		}
		bad = append(bad, found...)
	}
	return bad
}

// badValues checks one value at path against type t (or the type t points to), as
// the decoder would decode it, and returns what does not decode. drop says the value
// itself must go: it is of the wrong type, its type refuses it, or it is a list with
// such an item (an item cannot go without moving the indices of the others). A
// table, or a map of values, loses only its own bad entries.
func badValues(t reflect.Type, value any, path keyPath) (bad []badValue, drop bool) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	refuse := func(reason string) ([]badValue, bool) { return []badValue{{path: path, reason: reason}}, true }
	mismatch := func(want string) ([]badValue, bool) {
		return refuse(fmt.Sprintf("incompatible types: the value is %s; write %s", tomlType(value), want))
	}
	switch p := reflect.PointerTo(t); {
	case p.Implements(tomlUnmarshaler):
		if err := reflect.New(t).Interface().(toml.Unmarshaler).UnmarshalTOML(value); err != nil {
			return refuse(err.Error())
		}
		return nil, false
	case p.Implements(textUnmarshaler):
		text, ok := textOf(value)
		if !ok {
			return mismatch("a string")
		}
		if err := reflect.New(t).Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(text)); err != nil {
			return refuse(err.Error())
		}
		return nil, false
	}
	switch t.Kind() {
	case reflect.Struct:
		table, ok := value.(map[string]any)
		if !ok {
			return mismatch("a table")
		}
		return checkTable(t, table, path), false
	case reflect.Map:
		table, ok := value.(map[string]any)
		if !ok {
			return mismatch("a table")
		}
		for _, name := range slices.Sorted(maps.Keys(table)) {
			found, dropItem := badValues(t.Elem(), table[name], path.add(name))
			if dropItem {
				delete(table, name)
			}
			bad = append(bad, found...)
		}
		return bad, false
	case reflect.Slice, reflect.Array:
		items, ok := value.([]any)
		if tables, isTables := value.([]map[string]any); isTables {
			ok = true
			for _, table := range tables {
				items = append(items, table)
			}
		}
		if !ok {
			return mismatch("an array")
		}
		for i, item := range items {
			found, dropItem := badValues(t.Elem(), item, path.add(i))
			bad, drop = append(bad, found...), drop || dropItem
		}
		return bad, drop
	case reflect.String:
		if _, ok := value.(string); !ok {
			return mismatch("a string")
		}
	case reflect.Bool:
		if _, ok := value.(bool); !ok {
			return mismatch("true or false")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if _, ok := value.(int64); !ok {
			return mismatch("a whole number")
		}
	case reflect.Float32, reflect.Float64:
		switch value.(type) {
		case float64, int64:
		default:
			return mismatch("a number")
		}
	}
	return nil, false
}

// textOf is the text the decoder gives a type that decodes itself from text: a
// string, or a boolean, number or date written out.
func textOf(value any) (string, bool) {
	switch v := value.(type) {
	case string:
		return v, true
	case bool, int64:
		return fmt.Sprint(v), true
	case float64:
		return fmt.Sprintf("%f", v), true
	case encoding.TextMarshaler:
		text, err := v.MarshalText()
		return string(text), err == nil
	}
	return "", false
}

// tomlType names the TOML type of a decoded value, with its article.
func tomlType(value any) string {
	switch value.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case map[string]any:
		return "a table"
	case []any, []map[string]any:
		return "an array"
	case time.Time:
		return "a date"
	}
	return fmt.Sprintf("a %T", value)
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
	return lineOfValue(md, value)
}

// lineOfValue is lineOf for the value found: the line of its key, or for a table
// that has none (a in [a.b], defined by its subtable) the first line of its keys.
func lineOfValue(md toml.MetaData, value toml.Primitive) int {
	err := md.PrimitiveDecode(value, &refuse{})
	var perr toml.ParseError
	if errors.As(err, &perr) {
		return perr.Position.Line
	}
	// A table or an array is refused as the wrong type, with the line in the text.
	if m := typeErrorPattern.FindStringSubmatch(fmt.Sprint(err)); m != nil {
		line, _ := strconv.Atoi(m[1])
		return line
	}
	var table map[string]toml.Primitive
	if md.PrimitiveDecode(value, &table) != nil {
		return 0
	}
	first := 0
	for _, v := range table {
		if n := lineOfValue(md, v); n > 0 && (first == 0 || n < first) {
			first = n
		}
	}
	return first
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
