package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

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
// file in errors and anchors its relative paths. Every problem is listed, not only
// the first: each unknown key (one for an unknown table), each value of the wrong type
// or that its type refuses, each invalid value, and the checks' problems, sorted by
// key. The checks see the file's relative paths resolved.
func Parse(path string, data []byte, checks ...Check) (*Config, error) {
	cfg := Default()
	cfg.Dir = filepath.Dir(path)
	problems, err := decodeStrict(data, &cfg)
	if err != nil {
		return nil, &Error{File: path, Problems: append(problems, decodeProblem(err))}
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
	cfg.resolveSecretFiles()
	cfg.Connectors.M365.CertificateFile = cfg.Resolve(cfg.Connectors.M365.CertificateFile)
	cfg.resolveCAFiles()
	cfg.Web.TLSCert, cfg.Web.TLSKey = cfg.Resolve(cfg.Web.TLSCert), cfg.Resolve(cfg.Web.TLSKey)
	for _, check := range checks {
		problems = append(problems, check(&cfg)...)
	}
	if len(problems) > 0 {
		sort.SliceStable(problems, func(i, j int) bool { return problems[i].Key < problems[j].Key })
		return nil, &Error{File: path, Problems: problems}
	}
	return &cfg, nil
}

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
