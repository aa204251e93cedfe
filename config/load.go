package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
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

// Load reads, decodes strictly and validates the file. On any problem it returns an
// *Error that lists them all.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(abs, data)
}

// Parse decodes and validates a file's contents; path names the file in errors and
// anchors its relative paths.
func Parse(path string, data []byte) (*Config, error) {
	cfg := Default()
	cfg.Dir = filepath.Dir(path)
	md, err := toml.Decode(string(data), &cfg)
	if err != nil {
		return nil, &Error{File: path, Problems: []Problem{decodeProblem(err)}}
	}
	var problems []Problem
	for _, key := range md.Undecoded() {
		problems = append(problems, Problem{Key: key.String(), Reason: "unknown key"})
	}
	problems = append(problems, cfg.Validate()...)
	cfg.resolveSecretFiles()
	cfg.Connectors.M365.CertificateFile = cfg.Resolve(cfg.Connectors.M365.CertificateFile)
	cfg.Connectors.M365.CAFile = cfg.Resolve(cfg.Connectors.M365.CAFile)
	if len(problems) > 0 {
		sort.SliceStable(problems, func(i, j int) bool { return problems[i].Key < problems[j].Key })
		return nil, &Error{File: path, Problems: problems}
	}
	return &cfg, nil
}

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
func (c *Config) SyncSchedule(connector string) string {
	own := map[string]string{
		"itglue":        c.Connectors.ITGlue.Schedule,
		"screenconnect": c.Connectors.ScreenConnect.Schedule,
		"dattormm":      c.Connectors.DattoRMM.Schedule,
		"autotask":      c.Connectors.Autotask.Schedule,
	}[connector]
	if own != "" {
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
