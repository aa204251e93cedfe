package scaffold_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/preflight"
	"github.com/custos-msp/custos/scaffold"
)

// everyVendor chooses every vendor, with an answer to every question.
var everyVendor = scaffold.Options{
	Vendors:  scaffold.VendorNames(),
	Database: "postgres",
	Answers: map[string]string{
		"msp-name":          `Acme "IT" Ltd`,
		"screenconnect-url": "https://acme.screenconnect.com",
		"datto-platform":    "merlot",
		"m365-tenant-id":    "6a1e3c4b-22f0-4d1a-9f3e-1f2b3c4d5e6f",
		"m365-client-id":    "3f0c1e2d-4b5a-4c6d-8e7f-0a1b2c3d4e5f",
	},
}

// TestWrite_FilesLoadOnceTheSecretsAreSet: the configuration made for every vendor
// loads, the environment file names every variable the configuration reads, and
// once each is set every secret resolves; the key and the environment file are
// private.
func TestWrite_FilesLoadOnceTheSecretsAreSet(t *testing.T) {
	opts := everyVendor
	opts.Dir = filepath.Join(t.TempDir(), "etc", "custos")
	files, err := scaffold.Write(opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{files.Key, files.Env} {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %#o, want 0600", path, info.Mode().Perm())
		}
	}
	cfg, err := config.Load(files.Config)
	if err != nil {
		t.Fatalf("the configuration made does not load: %v", err)
	}
	cs := cfg.Connectors
	if !cs.ITGlue.Enabled || !cs.ScreenConnect.Enabled || !cs.DattoRMM.Enabled || !cs.Autotask.Enabled || !cs.M365.Enabled || !cs.O365Audit.Enabled ||
		cfg.Report.MSPName != `Acme "IT" Ltd` || cfg.Store.Driver != "postgres" || cfg.Seal.Key.File != files.Key {
		t.Errorf("the configuration made is not what was asked:\n%s", mustRead(t, files.Config))
	}

	variables := regexp.MustCompile(`(?m)^([A-Z0-9_]+)=$`).FindAllStringSubmatch(mustRead(t, files.Env), -1)
	named := map[string]bool{}
	for _, v := range variables {
		named[v[1]] = true
		t.Setenv(v[1], "value-of-"+v[1])
	}
	fromEnv := 0 // the sealing key is a file the scaffold writes, the rest variables
	for _, s := range cfg.NeededSecrets() {
		if s.Ref.Env == "" {
			continue
		}
		fromEnv++
		if !named[s.Ref.Env] {
			t.Errorf("%s reads %s, which %s does not name", s.Key, s.Ref.Env, files.Env)
		}
	}
	if len(named) != fromEnv || fromEnv < 10 {
		t.Errorf("%s names %d variables, the configuration reads %d secrets from variables", files.Env, len(named), fromEnv)
	}
	if _, err := config.Load(files.Config, preflight.Check); err != nil {
		t.Errorf("with every variable set: %v", err)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestWrite_RefusesAndWritesNothing: a file that exists, a question without an
// answer, an unknown vendor or an answer that does not load writes nothing, and
// the error names what is wrong.
func TestWrite_RefusesAndWritesNothing(t *testing.T) {
	tests := []struct {
		name   string
		change func(o *scaffold.Options, dir string)
		want   string // {dir} stands for the directory
	}{
		{"existing file", func(_ *scaffold.Options, dir string) {
			if err := os.WriteFile(filepath.Join(dir, scaffold.EnvFile), []byte("KEEP=me\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, "refusing to overwrite what exists: {dir}/" + scaffold.EnvFile + " (move it away"},
		{"question without answer", func(o *scaffold.Options, _ string) { delete(o.Answers, "datto-platform") }, "need --datto-platform (Datto RMM platform"},
		{"unknown vendor", func(o *scaffold.Options, _ string) { o.Vendors = []string{"itglue", "conectwise"} }, `"conectwise" is not a vendor Custos reads`},
		{"answer that does not load", func(o *scaffold.Options, _ string) { o.Answers["m365-client-id"] = "custos" }, `connectors.m365.client_id: "custos" is not an application (client) id`},
		{"unknown database", func(o *scaffold.Options, _ string) { o.Database = "mysql" }, `database "mysql" is not one of sqlite, postgres`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			opts := everyVendor
			opts.Dir = dir
			opts.Answers = map[string]string{}
			for k, v := range everyVendor.Answers {
				opts.Answers[k] = v
			}
			tt.change(&opts, dir)
			before, _ := os.ReadDir(dir)
			_, err := scaffold.Write(opts)
			want := strings.ReplaceAll(tt.want, "{dir}", dir)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("error = %v, want one containing %q", err, want)
			}
			after, _ := os.ReadDir(dir)
			if len(after) != len(before) {
				t.Errorf("%d files in the directory after, %d before", len(after), len(before))
			}
		})
	}
	if _, err := scaffold.Write(scaffold.Options{Dir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "no vendor chosen") {
		t.Errorf("no vendor: error = %v", err)
	}
}

// TestInterview_AsksWhatTheFlagsLeaveOpen asks for the vendors, the database and the
// questions of the vendors chosen that have no answer, an empty answer taking the
// default; it does not ask what the flags gave.
func TestInterview_AsksWhatTheFlagsLeaveOpen(t *testing.T) {
	in := strings.NewReader("itglue, datto\n\n\n")
	var out strings.Builder
	opts, err := scaffold.Interview(in, &out, scaffold.Options{Answers: map[string]string{"datto-platform": "concord"}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(opts.Vendors, ",") != "itglue,datto" || opts.Database != "sqlite" ||
		opts.Answers["msp-name"] != "Your MSP" || opts.Answers["datto-platform"] != "concord" {
		t.Errorf("options = %+v", opts)
	}
	prompts := out.String()
	for _, want := range []string{"Vendors Custos reads", "Database: sqlite or postgres", "[sqlite]", "monthly customer reports", `[Your MSP]`} {
		if !strings.Contains(prompts, want) {
			t.Errorf("prompts lack %q:\n%s", want, prompts)
		}
	}
	if strings.Contains(prompts, "Datto RMM platform") || strings.Contains(prompts, "ScreenConnect") {
		t.Errorf("asked what was answered or not chosen:\n%s", prompts)
	}
	if _, err := scaffold.Interview(strings.NewReader("itglue\n"), &out, scaffold.Options{}); err == nil {
		t.Error("an interview cut short (no answer to the database) succeeded")
	}
}
