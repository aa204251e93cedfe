package config_test

import (
	"bytes"
	"encoding"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/secret"
)

const examplePath = "../config.example.toml"

// leaf is one key that a configuration file can set, with the value it has in a Config.
type leaf struct {
	key   string
	value reflect.Value
}

var (
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	tomlUnmarshaler = reflect.TypeFor[toml.Unmarshaler]()
)

// leaves walks v through its toml tags and returns every key a file can set: tables
// are descended, embedded structs flattened into their parent, and a type that decodes
// itself (a secret reference, a duration) or a non-struct is a leaf.
func leaves(prefix string, v reflect.Value) []leaf {
	var out []leaf
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := strings.Split(f.Tag.Get("toml"), ",")[0]
		if name == "-" {
			continue
		}
		fv := v.Field(i)
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			out = append(out, leaves(prefix, fv)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		key := name
		if prefix != "" {
			key = prefix + "." + name
		}
		if isTable(f.Type) {
			out = append(out, leaves(key, fv)...)
			continue
		}
		out = append(out, leaf{key: key, value: fv})
	}
	return out
}

func isTable(t reflect.Type) bool {
	if t.Kind() != reflect.Struct {
		return false
	}
	p := reflect.PointerTo(t)
	return !p.Implements(textUnmarshaler) && !p.Implements(tomlUnmarshaler) &&
		!t.Implements(textUnmarshaler) && !t.Implements(tomlUnmarshaler)
}

func leafMap(c config.Config) map[string]reflect.Value {
	m := map[string]reflect.Value{}
	for _, l := range leaves("", reflect.ValueOf(c)) {
		m[l.key] = l.value
	}
	return m
}

// sameValue compares two leaves, taking an empty list or map and none as equal.
func sameValue(a, b reflect.Value) bool {
	if (a.Kind() == reflect.Slice || a.Kind() == reflect.Map) && a.Len() == 0 && b.Len() == 0 {
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

func assertEqualConfig(t *testing.T, got, want config.Config) {
	t.Helper()
	g, w := leafMap(got), leafMap(want)
	for key, wv := range w {
		if !sameValue(g[key], wv) {
			t.Errorf("%s = %#v, want %#v", key, g[key].Interface(), wv.Interface())
		}
	}
}

func TestLeaves_SeesEveryKind(t *testing.T) {
	m := leafMap(config.Default())
	for _, key := range []string{
		"log.level",                        // plain
		"store.dsn",                        // secret reference is a leaf, not a table
		"seal.previous_keys",               // list of references
		"connectors.itglue.max_retry_wait", // embedded HTTP, flattened
		"connectors.itglue.timeout",        // duration
	} {
		if _, ok := m[key]; !ok {
			t.Errorf("walk misses %s", key)
		}
	}
	for key := range m {
		if strings.Contains(key, ".HTTP") || strings.Contains(key, ".Rule") || strings.HasSuffix(key, ".env") || key == "Dir" {
			t.Errorf("walk yields %s, which is not a key a file sets", key)
		}
	}
}

func TestExample_Loads(t *testing.T) {
	cfg, err := config.Load(examplePath)
	if err != nil {
		t.Fatalf("config.example.toml does not load: %v", err)
	}
	abs, _ := filepath.Abs("..")
	if cfg.Dir != abs {
		t.Errorf("Dir = %q, want %q", cfg.Dir, abs)
	}
}

// TestExample_DocumentsEveryKey keeps config.example.toml from falling behind Config:
// every key a file can set must be in it.
func TestExample_DocumentsEveryKey(t *testing.T) {
	var doc map[string]any
	md, err := toml.DecodeFile(examplePath, &doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range leaves("", reflect.ValueOf(config.Default())) {
		if !md.IsDefined(strings.Split(l.key, ".")...) {
			t.Errorf("config.example.toml does not document %s", l.key)
		}
	}
}

// TestExample_EveryKeyHasAComment checks that each key line follows a comment line
// that says what it does.
func TestExample_EveryKeyHasAComment(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	keyLine := regexp.MustCompile(`^([a-z_]+)\s*=`)
	prev := ""
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if m := keyLine.FindStringSubmatch(line); m != nil && !strings.HasPrefix(prev, "#") {
			t.Errorf("line %d: key %s has no comment above it", i+1, m[1])
		}
		prev = line
	}
}

// TestExample_ValuesAreTheDefaults checks that the documented defaults are the real
// ones. Secret references are examples of where to keep a secret; they have no default.
func TestExample_ValuesAreTheDefaults(t *testing.T) {
	cfg, err := config.Load(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	md, err := toml.DecodeFile(examplePath, &doc)
	if err != nil {
		t.Fatal(err)
	}
	refType := reflect.TypeFor[secret.Ref]()
	got, want := leafMap(*cfg), leafMap(config.Default())
	checked := 0
	for key, wv := range want {
		if !md.IsDefined(strings.Split(key, ".")...) {
			continue
		}
		if wv.Type() == refType {
			if !got[key].Interface().(secret.Ref).IsZero() {
				continue
			}
			t.Errorf("%s: the example should show where the secret is kept", key)
			continue
		}
		if wv.Kind() == reflect.Slice && wv.Type().Elem() == refType {
			continue
		}
		checked++
		if !sameValue(got[key], wv) {
			t.Errorf("config.example.toml sets %s = %v, but the default is %v", key, got[key].Interface(), wv.Interface())
		}
	}
	if checked < 20 {
		t.Errorf("compared only %d keys", checked)
	}
}

// FuzzParse decodes mutated configuration files. The example is seeded one table at a
// time: a whole 30 KB example made each execution take milliseconds and the fuzzer
// spend its time minimising inputs that large (about 100 executions a minute); tables
// of a few hundred bytes keep it at thousands a second.
func FuzzParse(f *testing.F) {
	example, err := os.ReadFile(examplePath)
	if err != nil {
		f.Fatal(err)
	}
	for _, table := range exampleTables(example) {
		f.Add(table)
	}
	bad, err := filepath.Glob(filepath.Join("testdata", "*.toml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range bad {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`[store]` + "\n" + `dsn = { env = 1 }`))
	f.Add([]byte(`rules = 1`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := config.Parse("/etc/custos/custos.toml", data)
		if err != nil {
			if cfg != nil {
				t.Fatal("config and error both returned")
			}
			if _, ok := err.(*config.Error); !ok {
				t.Fatalf("error is %T, want *config.Error", err)
			}
			return
		}
		if problems := cfg.Validate(); len(problems) > 0 {
			t.Fatalf("accepted a config with problems: %v", fmt.Sprint(problems))
		}
	})
}

// exampleTables splits a TOML file before each table header ("[name]" or
// "[[name]]" at the start of a line), keeping each header with its keys.
func exampleTables(data []byte) [][]byte {
	var tables [][]byte
	start := 0
	lines := bytes.SplitAfter(data, []byte("\n"))
	at := 0
	for _, line := range lines {
		if bytes.HasPrefix(line, []byte("[")) && at > start {
			tables = append(tables, data[start:at])
			start = at
		}
		at += len(line)
	}
	return append(tables, data[start:])
}
