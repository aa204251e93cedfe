package main

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestInit_ThenCheckConfigPasses: init with flags writes files whose configuration
// loads; check-config names each variable of the environment file until it is set,
// and passes once they all are; init again refuses, naming each file, and changes
// none.
func TestInit_ThenCheckConfigPasses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "custos")
	out, err := run(t, "init", "--dir", dir, "--vendors", "itglue,datto,autotask", "--datto-platform", "concord", "--msp-name", "Acme IT")
	if err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	config, envFile := filepath.Join(dir, "custos.toml"), filepath.Join(dir, "custos.env")
	env, err := os.ReadFile(envFile)
	if err != nil {
		t.Fatal(err)
	}
	variables := regexp.MustCompile(`(?m)^([A-Z0-9_]+)=$`).FindAllStringSubmatch(string(env), -1)
	if len(variables) != 6 {
		t.Fatalf("%s names %d variables, want 6 (IT Glue 1, Datto RMM 2, Autotask 3):\n%s", envFile, len(variables), env)
	}
	unset, err := run(t, "--config", config, "check-config")
	var exit exitError
	if !errors.As(err, &exit) {
		t.Fatalf("check-config before the secrets are set: %v, want exit status 1\n%s", err, unset)
	}
	for _, v := range variables {
		if !strings.Contains(unset, "environment variable "+v[1]+" is not set") {
			t.Errorf("check-config does not name %s:\n%s", v[1], unset)
		}
		t.Setenv(v[1], "value-of-"+v[1])
	}
	if ok, err := run(t, "--config", config, "check-config"); err != nil || !strings.Contains(ok, "valid") {
		t.Errorf("check-config with every variable set: %v\n%s", err, ok)
	}

	before := map[string]string{}
	for _, name := range []string{"custos.toml", "seal.key", "custos.env"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		before[name] = string(b)
	}
	again, err := run(t, "init", "--dir", dir, "--vendors", "itglue")
	if err == nil {
		t.Fatalf("init over an installation succeeded:\n%s", again)
	}
	for name, text := range before {
		if !strings.Contains(err.Error(), filepath.Join(dir, name)) {
			t.Errorf("the refusal does not name %s: %v", name, err)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, name)); string(b) != text {
			t.Errorf("init changed %s", name)
		}
	}
}
