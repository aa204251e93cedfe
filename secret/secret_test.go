package secret_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/custos-msp/custos/secret"
)

func TestRef_Load(t *testing.T) {
	dir := t.TempDir()
	writeMode := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // whatever the umask
			t.Fatal(err)
		}
		return p
	}
	write := func(name, content string) string { return writeMode(name, content, 0o600) }
	t.Setenv("CUSTOS_TEST_SECRET", "  from-env-value\n")
	t.Setenv("CUSTOS_TEST_EMPTY", " \n")
	t.Setenv("CUSTOS_TEST_BLANK", "")

	tests := []struct {
		name    string
		ref     secret.Ref
		want    string
		wantErr string
	}{
		{"env trimmed", secret.Ref{Env: "CUSTOS_TEST_SECRET"}, "from-env-value", ""},
		{"file trimmed", secret.Ref{File: write("key", "from-file-value\n")}, "from-file-value", ""},
		{"file CRLF", secret.Ref{File: write("crlf", "crlf-value\r\n")}, "crlf-value", ""},
		{"env unset", secret.Ref{Env: "CUSTOS_TEST_NOT_SET_ANYWHERE"}, "", "not set"},
		{"env whitespace only", secret.Ref{Env: "CUSTOS_TEST_EMPTY"}, "", "empty"},
		{"env set but empty", secret.Ref{Env: "CUSTOS_TEST_BLANK"}, "", "empty"},
		{"file empty", secret.Ref{File: write("empty", "\n")}, "", "empty"},
		{"file missing", secret.Ref{File: filepath.Join(dir, "nope")}, "", "reading secret file"},
		{"file readable by the group", secret.Ref{File: writeMode("group", "group-value\n", 0o640)}, "group-value", ""},
		{"file readable by everyone", secret.Ref{File: writeMode("world", "world-value\n", 0o644)}, "", "(mode 0644) is readable or writable by every user of this machine: run chmod 600"},
		{"file writable by everyone", secret.Ref{File: writeMode("writable", "w\n", 0o602)}, "", "is readable or writable by every user"},
		{"nowhere", secret.Ref{}, "", "no env or file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := tt.ref.Load()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if v.Reveal() != tt.want {
				t.Errorf("Reveal = %q, want %q", v.Reveal(), tt.want)
			}
		})
	}
}

func TestRef_String_NamesPlaceNotValue(t *testing.T) {
	tests := []struct {
		ref  secret.Ref
		want string
	}{
		{secret.Ref{Env: "ITGLUE_API_KEY"}, "environment variable ITGLUE_API_KEY"},
		{secret.Ref{File: "/etc/custos/seal.key"}, "file /etc/custos/seal.key"},
		{secret.Ref{}, "nowhere"},
	}
	for _, tt := range tests {
		if got := tt.ref.String(); got != tt.want {
			t.Errorf("String = %q, want %q", got, tt.want)
		}
	}
}

func TestRef_UnmarshalTOML(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		want    secret.Ref
		wantErr string
	}{
		{"env", `s = { env = "X" }`, secret.Ref{Env: "X"}, ""},
		{"file", `s = { file = "/k" }`, secret.Ref{File: "/k"}, ""},
		{"table", "[s]\nenv = \"X\"", secret.Ref{Env: "X"}, ""},
		{"inline", `s = "hunter2-secret"`, secret.Ref{}, "never inline"},
		{"both", `s = { env = "X", file = "/k" }`, secret.Ref{}, "not both"},
		{"other key", `s = { value = "x" }`, secret.Ref{}, "only env or file"},
		{"not a string", `s = { env = 1 }`, secret.Ref{}, "must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc struct {
				S secret.Ref `toml:"s"`
			}
			_, err := toml.Decode(tt.doc, &doc)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error %q shows the inline secret", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if doc.S != tt.want {
				t.Errorf("got %+v, want %+v", doc.S, tt.want)
			}
		})
	}
}

// TestRef_MarshalTOML writes a reference as a file does and reads back the same one,
// in a table and in a list, odd characters included.
func TestRef_MarshalTOML(t *testing.T) {
	tests := []struct {
		ref  secret.Ref
		want string
	}{
		{secret.Ref{Env: "ITGLUE_API_KEY"}, `s = { env = "ITGLUE_API_KEY" }`},
		{secret.Ref{File: "/etc/custos/seal.key"}, `s = { file = "/etc/custos/seal.key" }`},
		{secret.Ref{File: `C:\keys\"new"` + "\tkey\u00e9"}, `s = { file = "C:\\keys\\\"new\"\u0009keyé" }`},
		{secret.Ref{}, "s = {}"},
	}
	for _, tt := range tests {
		doc := struct {
			S    secret.Ref   `toml:"s"`
			List []secret.Ref `toml:"list"`
		}{S: tt.ref, List: []secret.Ref{tt.ref, tt.ref}}
		var out strings.Builder
		if err := toml.NewEncoder(&out).Encode(doc); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), tt.want+"\n") {
			t.Errorf("%+v encodes as\n%s\nwant the line %s", tt.ref, out.String(), tt.want)
		}
		doc.S, doc.List = secret.Ref{}, nil
		if _, err := toml.Decode(out.String(), &doc); err != nil {
			t.Fatalf("%s does not decode: %v", out.String(), err)
		}
		if doc.S != tt.ref || len(doc.List) != 2 || doc.List[1] != tt.ref {
			t.Errorf("%+v read back as %+v and %+v", tt.ref, doc.S, doc.List)
		}
	}
}

func TestValue_FormatsAsPlaceholder(t *testing.T) {
	const clear = "s3cr3t-clear-text"
	v := secret.New(clear)
	type holder struct {
		Key secret.Value `json:"key"`
	}
	jsonValue, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	jsonStruct, err := json.Marshal(holder{Key: v})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		got  string
	}{
		{"%v", fmt.Sprintf("%v", v)},
		{"%s", fmt.Sprintf("%s", v)},
		{"%+v", fmt.Sprintf("%+v", v)},
		{"%#v", fmt.Sprintf("%#v", v)},
		{"%q", fmt.Sprintf("%q", v)},
		{"%v pointer", fmt.Sprintf("%v", &v)},
		{"%+v in struct", fmt.Sprintf("%+v", holder{Key: v})},
		{"%#v in struct", fmt.Sprintf("%#v", holder{Key: v})},
		{"Sprint", fmt.Sprint(v)},
		{"json value", string(jsonValue)},
		{"json struct", string(jsonStruct)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.Contains(tt.got, clear) {
				t.Fatalf("%s shows the secret: %s", tt.name, tt.got)
			}
			if !strings.Contains(tt.got, secret.Placeholder) {
				t.Errorf("%s = %s, want the placeholder", tt.name, tt.got)
			}
		})
	}
	if v.Reveal() != clear {
		t.Errorf("Reveal = %q", v.Reveal())
	}
	if v.IsZero() || !(secret.Value{}).IsZero() {
		t.Error("IsZero is wrong")
	}
}

func TestRedactor_String(t *testing.T) {
	r := secret.NewRedactor(secret.New("known-api-key-123456"), secret.New("abc"))
	r.Add(secret.New("added-later-secret"))
	tests := []struct {
		name   string
		in     string
		gone   []string
		remain []string
	}{
		{"known value", "calling with known-api-key-123456 failed", []string{"known-api-key-123456"}, []string{"calling with", "failed"}},
		{"added later", "x added-later-secret y", []string{"added-later-secret"}, nil},
		{"short known value left alone", "abc is the alphabet", nil, []string{"abc is the alphabet"}},
		{"bearer", "Authorization: Bearer eyJhbGciOi.eyJzdWIi.sig-_part", []string{"eyJhbGciOi", "sig-_part"}, nil},
		{"bearer lowercase", "bearer tok_ABCDEF123456", []string{"tok_ABCDEF123456"}, nil},
		{"basic auth header", "Authorization: Basic dXNlcjpwYXNz", []string{"dXNlcjpwYXNz"}, []string{"Authorization: Basic "}},
		{"bearer scheme kept", "authorization=Bearer tok_ABCDEF123456", []string{"tok_ABCDEF123456"}, []string{"authorization=Bearer "}},
		{"basic as a word", "a basic setup with basic defaults", nil, []string{"a basic setup with basic defaults"}},
		{"x-api-key header", "x-api-key: ITG.unknownvalue987", []string{"ITG.unknownvalue987"}, []string{"x-api-key"}},
		{"api-key JSON", `{"x-api-key":"unknownvalue987","page":1}`, []string{"unknownvalue987"}, []string{`"page":1`}},
		{"api-key escaped JSON", `{"headers":"{\"x-api-key\":\"unknownvalue987\"}"}`, []string{"unknownvalue987"}, nil},
		{"apikey=", "apikey=unknownvalue987&x=1", []string{"unknownvalue987"}, nil},
		{"query sig", "GET https://h.example/a?sig=AbC%2Fsig123&page=2", []string{"AbC%2Fsig123"}, []string{"page=2"}},
		{"query access_token", "https://h.example/?page=1&access_token=tok987654", []string{"tok987654"}, []string{"page=1"}},
		{"query client_secret", "?client_secret=cs-987654", []string{"cs-987654"}, nil},
		{"ordinary words", "the key to the token is a password manager", nil, []string{"the key to the token is a password manager"}},
		{"ordinary query", "https://h.example/orgs?page[size]=100&filter=x", nil, []string{"page[size]=100&filter=x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.String(tt.in)
			for _, s := range tt.gone {
				if strings.Contains(got, s) {
					t.Errorf("String(%q) = %q, still contains %q", tt.in, got, s)
				}
			}
			if len(tt.gone) > 0 && !strings.Contains(got, secret.Placeholder) {
				t.Errorf("String(%q) = %q, no placeholder", tt.in, got)
			}
			for _, s := range tt.remain {
				if !strings.Contains(got, s) {
					t.Errorf("String(%q) = %q, lost %q", tt.in, got, s)
				}
			}
		})
	}
}

// TestRedactor_JSONLineStaysValid reproduces a bug: a header dump with quoted values
// inside a JSON log line kept the value and lost the escaping backslash, which leaked
// the credential and broke the line.
func TestRedactor_JSONLineStaysValid(t *testing.T) {
	var nilRedactor *secret.Redactor
	lines := []string{
		`{"msg":"header x-api-key: \"unknownvalue987\" sent"}`,
		`{"msg":"Authorization=\"Basic dXNlcjpwYXNz\""}`,
		`{"url":"https://h.example/?sig=abc123\\"}`,
	}
	for _, line := range lines {
		if !json.Valid([]byte(line)) {
			t.Fatalf("test line is not JSON: %s", line)
		}
		got := nilRedactor.String(line)
		if !json.Valid([]byte(got)) {
			t.Errorf("redacting %s gave invalid JSON %s", line, got)
		}
		for _, s := range []string{"unknownvalue987", "dXNlcjpwYXNz", "abc123"} {
			if strings.Contains(got, s) {
				t.Errorf("redacting %s left %q: %s", line, s, got)
			}
		}
	}
}

func TestRedactor_Writer(t *testing.T) {
	var sb strings.Builder
	w := secret.NewRedactor(secret.New("writer-secret-42")).Writer(&sb)
	in := "line with writer-secret-42\n"
	n, err := w.Write([]byte(in))
	if err != nil || n != len(in) {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(in))
	}
	if got := sb.String(); got != "line with "+secret.Placeholder+"\n" {
		t.Errorf("wrote %q", got)
	}
}

// TestRedactor_FindsEscapedSecrets reproduces a leak: a secret holding a quote or a
// backslash appears escaped in a JSON log line, where its clear form does not match.
func TestRedactor_FindsEscapedSecrets(t *testing.T) {
	const pw = `pa"ss\word<&>9`
	r := secret.NewRedactor(secret.New(pw))
	for _, html := range []bool{false, true} {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		if err := enc.Encode(map[string]string{"dsn": "postgres://u:" + pw + "@db/custos"}); err != nil {
			t.Fatal(err)
		}
		got := r.String(b.String())
		if strings.Contains(got, "ss\\") || strings.Contains(got, "word") {
			t.Errorf("html=%v: %s still shows the secret", html, got)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("html=%v: redaction broke the JSON: %s", html, got)
		}
	}
	if got := r.String("clear " + pw); got != "clear "+secret.Placeholder {
		t.Errorf("clear form: %q", got)
	}
}
