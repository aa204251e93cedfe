// Package secret keeps credentials out of configuration files, logs and error
// messages. A configuration names where a secret lives (an environment variable or a
// file), never the secret itself; a loaded secret prints as a placeholder; a Redactor
// scrubs known secret values from any text.
package secret

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// Placeholder is what a secret prints as.
const Placeholder = "[REDACTED]"

// Ref says where a secret lives. In TOML it is written { env = "NAME" } or
// { file = "/path" }; an inline string is refused.
type Ref struct {
	Env  string `toml:"env"`
	File string `toml:"file"`
}

// UnmarshalTOML decodes a Ref and refuses an inline secret.
func (r *Ref) UnmarshalTOML(v any) error {
	m, ok := v.(map[string]any)
	if !ok {
		return errors.New(`secrets are never inline: write { env = "VARIABLE" } or { file = "/path/to/file" }`)
	}
	for k, val := range m {
		s, ok := val.(string)
		if !ok {
			return fmt.Errorf("%s: must be a string", k)
		}
		switch k {
		case "env":
			r.Env = s
		case "file":
			r.File = s
		default:
			return fmt.Errorf("unknown key %q: a secret has only env or file", k)
		}
	}
	return r.Validate()
}

// MarshalTOML writes the reference as a file does, { env = "NAME" } or
// { file = "/path" }, and {} when it names nothing; a Ref holds no value to write.
func (r Ref) MarshalTOML() ([]byte, error) {
	var fields []string
	if r.Env != "" {
		fields = append(fields, "env = "+quote(r.Env))
	}
	if r.File != "" {
		fields = append(fields, "file = "+quote(r.File))
	}
	if len(fields) == 0 {
		return []byte("{}"), nil
	}
	return []byte("{ " + strings.Join(fields, ", ") + " }"), nil
}

// quote writes s as a TOML basic string.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// IsZero reports whether the reference names nothing.
func (r Ref) IsZero() bool { return r.Env == "" && r.File == "" }

// Validate checks that the reference names exactly one place.
func (r Ref) Validate() error {
	if r.Env != "" && r.File != "" {
		return errors.New("give env or file, not both")
	}
	return nil
}

// String describes where the secret lives, never its value.
func (r Ref) String() string {
	switch {
	case r.Env != "":
		return "environment variable " + r.Env
	case r.File != "":
		return "file " + r.File
	}
	return "nowhere"
}

// Load reads the secret. Surrounding whitespace (a trailing newline in a file) is
// dropped. An empty secret is an error.
func (r Ref) Load() (Value, error) {
	var raw string
	switch {
	case r.Env != "":
		v, ok := os.LookupEnv(r.Env)
		if !ok {
			return Value{}, fmt.Errorf("environment variable %s is not set", r.Env)
		}
		raw = v
	case r.File != "":
		if err := checkPrivate(r.File); err != nil {
			return Value{}, err
		}
		b, err := os.ReadFile(r.File)
		if err != nil {
			return Value{}, fmt.Errorf("reading secret file: %w", err)
		}
		raw = string(b)
	default:
		return Value{}, errors.New("no env or file given")
	}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return Value{}, fmt.Errorf("%s is empty", r)
	}
	return Value{v: raw}, nil
}

// ErrReadableByOthers is what loading a secret file that every user of the machine
// may read (or write) fails with: a credential or sealing key there is not a secret.
var ErrReadableByOthers = errors.New("is readable or writable by every user of this machine")

// checkPrivate refuses a secret file whose mode lets users outside its owner and
// group read or write it. Owner and group are allowed, so a service group can share it.
func checkPrivate(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("reading secret file: %w", err)
	}
	if perm := info.Mode().Perm(); perm&0o006 != 0 {
		return fmt.Errorf("secret file %s (mode %#o) %w: run chmod 600 %s", path, perm, ErrReadableByOthers, path)
	}
	return nil
}

// Value is a loaded secret. It formats as Placeholder in every verb, JSON and logs;
// Reveal is the only way to the clear text.
type Value struct {
	v string
}

// New wraps a clear-text secret.
func New(clear string) Value { return Value{v: clear} }

// Reveal returns the clear text, for putting it on the wire.
func (s Value) Reveal() string { return s.v }

// IsZero reports whether no secret is held.
func (s Value) IsZero() bool { return s.v == "" }

// String implements fmt.Stringer.
func (s Value) String() string { return Placeholder }

// GoString implements fmt.GoStringer.
func (s Value) GoString() string { return Placeholder }

// MarshalText implements encoding.TextMarshaler, so JSON and TOML encoders never see
// the value.
func (s Value) MarshalText() ([]byte, error) { return []byte(Placeholder), nil }
