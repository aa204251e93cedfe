// Package configtest holds what the tests of configuration files share: parsing a file
// that must be refused, and checking each testdata/*.bad.toml against the one problem
// it is about.
package configtest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custos-msp/custos/config"
)

// Problems parses data as /etc/custos/<name> with checks and returns the problems it
// reports, failing t when the file is accepted or the error is not a *config.Error.
func Problems(t testing.TB, name string, data []byte, checks ...config.Check) []config.Problem {
	t.Helper()
	cfg, err := config.Parse(filepath.Join("/etc/custos", name), data, checks...)
	if err == nil {
		t.Fatalf("Parse accepted %s: %+v", name, cfg)
	}
	var cerr *config.Error
	if !errors.As(err, &cerr) {
		t.Fatalf("error is %T, want *config.Error: %v", err, err)
	}
	if cfg != nil {
		t.Errorf("Parse returned a config with an error")
	}
	if len(cerr.Problems) == 0 {
		t.Fatalf("*config.Error with no problems")
	}
	return cerr.Problems
}

// HasProblem says whether problems has one at key whose reason contains reason.
func HasProblem(problems []config.Problem, key, reason string) bool {
	for _, p := range problems {
		if p.Key == key && strings.Contains(p.Reason, reason) {
			return true
		}
	}
	return false
}

// BadFile is one testdata/<File>.bad.toml and the problem it must give; Several
// means the file may give more than one problem (all about Key). It is a struct type
// without a name, so that a test's table lists its cases without field names.
type BadFile = struct {
	File, Key, Reason string
	Several           bool
}

// RunBadFiles parses each file with checks and asserts its problem, that it gives no
// other unless Several, and that no problem shows an inline secret; and it asserts
// that every testdata/*.bad.toml has an entry.
func RunBadFiles(t *testing.T, tests []BadFile, checks ...config.Check) {
	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.File+".bad.toml"] = true
		t.Run(tt.File, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.File+".bad.toml"))
			if err != nil {
				t.Fatal(err)
			}
			problems := Problems(t, tt.File+".bad.toml", data, checks...)
			if !HasProblem(problems, tt.Key, tt.Reason) {
				t.Errorf("problems = %q, want key %q with reason containing %q", problems, tt.Key, tt.Reason)
			}
			if !tt.Several && len(problems) != 1 {
				t.Errorf("problems = %q, want only the one the file is about", problems)
			}
			for _, p := range problems {
				if strings.Contains(p.String(), "inline-secret-value") || strings.Contains(p.String(), "0123456789abcdef") {
					t.Errorf("problem %q shows an inline secret", p)
				}
			}
		})
	}
	files, err := filepath.Glob(filepath.Join("testdata", "*.bad.toml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !seen[filepath.Base(f)] {
			t.Errorf("%s has no entry in this test", f)
		}
	}
}
