package reconcile_test

import (
	"encoding"
	"fmt"
	"maps"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/reconcile"
)

// TestRules_Registry checks the list every rule is registered in: ids and table keys
// are unique and well formed, the catalogue follows the list, and the default
// configuration builds every rule.
func TestRules_Registry(t *testing.T) {
	ids, keys := map[string]bool{}, map[string]bool{}
	idShape, keyShape := regexp.MustCompile(`^[A-Z0-9]+(-[A-Z0-9]+)+$`), regexp.MustCompile(`^[a-z0-9]+(_[a-z0-9]+)+$`)
	for i, spec := range reconcile.Rules {
		id := spec.ID()
		if ids[id] || keys[spec.Key] {
			t.Errorf("%s / %s is registered twice", id, spec.Key)
		}
		ids[id], keys[spec.Key] = true, true
		if !idShape.MatchString(id) || !keyShape.MatchString(spec.Key) {
			t.Errorf("id %q or key %q is not shaped like the others", id, spec.Key)
		}
		if spec.Severity.Rank() < 0 || spec.Description == "" {
			t.Errorf("%s: severity %q, description %q", id, spec.Severity, spec.Description)
		}
		if reconcile.Catalogue[i] != id {
			t.Errorf("Catalogue[%d] = %s, want %s", i, reconcile.Catalogue[i], id)
		}
	}
	set := configured(t, new(config.Default()))
	var built []string
	for _, r := range set.Rules {
		built = append(built, r.ID())
	}
	built = append(built, set.Access.Rules()...)
	if slices.Sort(built); !slices.Equal(built, slices.Sorted(maps.Keys(ids))) {
		t.Errorf("the default configuration builds %q, want every rule", built)
	}
}

// settingLeaves returns every key of a rule's table with its value in v (the rule's
// settings struct): embedded structs (Base) are flattened, and a value that decodes
// itself (a duration, a pattern) is one key.
func settingLeaves(v reflect.Value) map[string]reflect.Value {
	out := map[string]reflect.Value{}
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		switch {
		case !f.IsExported():
		case f.Anonymous:
			maps.Copy(out, settingLeaves(v.Field(i)))
		default:
			name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
			out[name] = v.Field(i)
		}
	}
	return out
}

// defaultSettings returns spec's settings as Configure starts from them.
func defaultSettings(spec reconcile.Spec) reconcile.Settings {
	s := spec.New()
	leaves := settingLeaves(reflect.ValueOf(s).Elem())
	leaves["enabled"].SetBool(true)
	leaves["severity"].Set(reflect.ValueOf(spec.Severity))
	return s
}

func TestSettingLeaves_SeesEveryKind(t *testing.T) {
	m := map[string]bool{}
	for _, spec := range reconcile.Rules {
		for k := range settingLeaves(reflect.ValueOf(spec.New()).Elem()) {
			m["rules."+spec.Key+"."+k] = true
		}
	}
	for _, key := range []string{
		"rules.config_backup_stale.severity",                 // embedded Base, flattened
		"rules.config_backup_stale.max_age",                  // duration
		"rules.config_backup_incomplete.old_pattern",         // pattern
		"rules.agent_permanent_unapproved.approved_machines", // list
	} {
		if !m[key] {
			t.Errorf("walk misses %s", key)
		}
	}
	for key := range m {
		if strings.Contains(key, ".Base") || strings.HasSuffix(key, ".") {
			t.Errorf("walk yields %s, which is not a key a file sets", key)
		}
	}
}

const examplePath = "../config.example.toml"

// sameValue compares two settings, taking an empty list and none as equal and
// values that decode themselves by their text.
func sameValue(a, b reflect.Value) bool {
	if a.Kind() == reflect.Slice && a.Len() == 0 && b.Len() == 0 {
		return true
	}
	if m, ok := a.Interface().(encoding.TextMarshaler); ok {
		at, _ := m.MarshalText()
		bt, _ := b.Interface().(encoding.TextMarshaler).MarshalText()
		return string(at) == string(bt)
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

// TestExample_RuleTablesAreTheDefaults keeps config.example.toml's [rules.*] tables
// true to the list: one table per rule and no other, each with exactly the rule's
// keys, each set to its default. The comments stay hand-written.
func TestExample_RuleTablesAreTheDefaults(t *testing.T) {
	var doc struct {
		Rules map[string]map[string]any `toml:"rules"`
	}
	if _, err := toml.DecodeFile(examplePath, &doc); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(examplePath, reconcile.Check)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, spec := range reconcile.Rules {
		keys = append(keys, spec.Key)
		want := settingLeaves(reflect.ValueOf(defaultSettings(spec)).Elem())
		if _, ok := doc.Rules[spec.Key]; !ok {
			t.Errorf("config.example.toml has no [rules.%s]; add it with a comment above each key:\n%s", spec.Key, exampleTable(spec, want))
			continue
		}
		if got := slices.Sorted(maps.Keys(doc.Rules[spec.Key])); !slices.Equal(got, slices.Sorted(maps.Keys(want))) {
			t.Errorf("[rules.%s] has keys %q, want %q", spec.Key, got, slices.Sorted(maps.Keys(want)))
			continue
		}
		s := defaultSettings(spec)
		if problems := cfg.Rules.Decode(spec.Key, s); len(problems) > 0 {
			t.Fatal(problems)
		}
		for key, value := range settingLeaves(reflect.ValueOf(s).Elem()) {
			if !sameValue(value, want[key]) {
				t.Errorf("config.example.toml sets rules.%s.%s = %v, but the default is %v", spec.Key, key, value.Interface(), want[key].Interface())
			}
		}
	}
	if got, want := slices.Sorted(maps.Keys(doc.Rules)), slices.Sorted(slices.Values(keys)); !slices.Equal(got, want) {
		t.Errorf("config.example.toml has [rules.*] tables %q, want %q", got, want)
	}
}

// exampleTable writes spec's table with its defaults, for config.example.toml.
func exampleTable(spec reconcile.Spec, leaves map[string]reflect.Value) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[rules.%s]\n# %s: %s.\n", spec.Key, spec.ID(), spec.Description)
	for _, key := range slices.Sorted(maps.Keys(leaves)) {
		line, err := toml.Marshal(map[string]any{key: leaves[key].Interface()})
		if err != nil {
			line = []byte(err.Error())
		}
		fmt.Fprintf(&b, "# …\n%s", line)
	}
	return b.String()
}

// TestREADME_RuleTable keeps the README's rule table the list's: every rule, in order,
// with its table, default severity and description.
func TestREADME_RuleTable(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "| `") && strings.Contains(line, "| `[rules.") {
			got = append(got, line)
		}
	}
	for _, spec := range reconcile.Rules {
		want = append(want, fmt.Sprintf("| `%s` | `[rules.%s]` | %s | %s |", spec.ID(), spec.Key, spec.Severity, spec.Description))
	}
	if !slices.Equal(got, want) {
		t.Errorf("README.md's rule table is not the list's; it should read:\n\n| rule | table | default severity | fires when |\n| --- | --- | --- | --- |\n%s", strings.Join(want, "\n"))
	}
}
