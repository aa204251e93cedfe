package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestSeal_RotateTheDemoKey rotates the demo's sealing key as the command's help
// says: a new key, the old one kept as previous, rotate; then with the new key alone
// a second rotate has nothing left to do, and the store still opens its payloads.
func TestSeal_RotateTheDemoKey(t *testing.T) {
	config, _ := demoStore(t)
	dir := filepath.Dir(config)
	if out, err := run(t, "seal", "new-key", filepath.Join(dir, "seal.key")); err == nil {
		t.Fatalf("new-key overwrote the demo's key:\n%s", out)
	}
	mustRun(t, "seal", "new-key", filepath.Join(dir, "seal-2.key"))
	setSealKeys := func(keys string) {
		text, err := os.ReadFile(config)
		if err != nil {
			t.Fatal(err)
		}
		re := regexp.MustCompile(`(?m)^key = \{ file = "seal\.key" \}$|^key = \{ file = "seal-2\.key" \}\nprevious_keys = .*$`)
		changed := re.ReplaceAllString(string(text), keys)
		if changed == string(text) {
			t.Fatal("the demo configuration has no seal key line to change")
		}
		if err := os.WriteFile(config, []byte(changed), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	setSealKeys("key = { file = \"seal-2.key\" }\nprevious_keys = [{ file = \"seal.key\" }]")
	out := mustRun(t, "--config", config, "seal", "rotate")
	if !regexp.MustCompile(`access_events\.raw: [1-9]\d* sealed again`).MatchString(out) || !strings.Contains(out, "seal.previous_keys can be emptied") {
		t.Errorf("rotate did not reseal the demo's access event payloads:\n%s", out)
	}
	setSealKeys("key = { file = \"seal-2.key\" }\nprevious_keys = []")
	out = mustRun(t, "--config", config, "seal", "rotate")
	if regexp.MustCompile(`: [1-9]\d* sealed again`).MatchString(out) {
		t.Errorf("a second rotate, with the new key alone, resealed something:\n%s", out)
	}
}
