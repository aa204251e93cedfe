package secret

import (
	"bytes"
	"encoding/json"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// minRedactLen is the shortest value a Redactor scrubs: shorter ones would mangle
// ordinary text and are not credentials anyway.
const minRedactLen = 6

// credentialPatterns match credentials by their shape, for values the Redactor was
// never told about: bearer tokens, API-key headers, and secret query parameters.
var credentialPatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?i)(bearer\s+)[A-Za-z0-9\-._~+/]+=*`),
	// The quotes around a header name or value may be escaped (\" inside a JSON
	// string, as in a log line), and a value never takes a backslash with it, so a
	// redacted JSON line stays valid. An authorization scheme is kept and the
	// credential after it redacted.
	regexp.MustCompile(`(?i)((?:x-api-key|apikey|api-key|authorization)\\?["']?\s*[:=]\s*\\?["']?(?:(?:bearer|basic|digest|negotiate|ntlm)\s+)?)[^\s"',}\\]+`),
	regexp.MustCompile(`(?i)([?&](?:sig|code|key|token|access_token|client_secret|password)=)[^&\s"\\]+`),
}

// Redactor replaces known secret values, and anything shaped like a credential, with
// Placeholder. It is safe for concurrent use.
type Redactor struct {
	mu       sync.RWMutex
	replacer *strings.Replacer
	values   []string
}

// NewRedactor returns a Redactor that knows the given secrets.
func NewRedactor(values ...Value) *Redactor {
	r := &Redactor{}
	r.Add(values...)
	return r
}

// Add teaches the Redactor more secrets.
func (r *Redactor) Add(values ...Value) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range values {
		if len(v.v) >= minRedactLen {
			r.values = append(r.values, v.v, Placeholder)
			for _, e := range escapedForms(v.v) {
				r.values = append(r.values, e, Placeholder)
			}
		}
	}
	r.replacer = strings.NewReplacer(r.values...)
}

// escapedForms returns how s looks inside a JSON string (as in a JSON log line, with
// and without HTML escaping) where that differs from s, so a secret holding a quote or
// a backslash is still found there.
func escapedForms(s string) []string {
	var forms []string
	for _, html := range []bool{false, true} {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		if err := enc.Encode(s); err != nil {
			continue
		}
		e := strings.TrimSuffix(b.String(), "\n")
		e = e[1 : len(e)-1] // the surrounding quotes
		if e != s && !slices.Contains(forms, e) {
			forms = append(forms, e)
		}
	}
	return forms
}

// String returns s with every secret replaced.
func (r *Redactor) String(s string) string {
	if r != nil {
		r.mu.RLock()
		if r.replacer != nil {
			s = r.replacer.Replace(s)
		}
		r.mu.RUnlock()
	}
	for _, p := range credentialPatterns {
		s = p.ReplaceAllString(s, "${1}"+Placeholder)
	}
	return s
}

// Writer returns an io.Writer that redacts every write before passing it to w. Each
// write must hold whole lines, as zerolog's writes do.
func (r *Redactor) Writer(w io.Writer) io.Writer {
	return redactingWriter{r: r, w: w}
}

type redactingWriter struct {
	r *Redactor
	w io.Writer
}

func (rw redactingWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(rw.w, rw.r.String(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
