package logging_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/logging"
	"github.com/custos-msp/custos/secret"
)

func TestNew_JSONHasLevelTimeMessage(t *testing.T) {
	var buf bytes.Buffer
	log, err := logging.New(config.Log{Level: "info", Format: "json"}, &buf, secret.NewRedactor())
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now().UTC().Add(-time.Second)
	log.Info().Str("vendor", "itglue").Msg("sync finished")

	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, buf.Bytes())
	}
	if line["level"] != "info" || line["message"] != "sync finished" || line["vendor"] != "itglue" {
		t.Errorf("line = %v", line)
	}
	ts, _ := line["time"].(string)
	parsed, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		t.Fatalf("time %q is not RFC 3339: %v", ts, err)
	}
	if !strings.HasSuffix(ts, "Z") {
		t.Errorf("time %q is not UTC", ts)
	}
	if parsed.Before(before) || parsed.After(time.Now().Add(time.Second)) {
		t.Errorf("time %v is not now", parsed)
	}
}

func TestNew_Formats(t *testing.T) {
	tests := []struct {
		format   string
		wantJSON bool
	}{
		{"json", true},
		{"console", false},
		{"auto", true}, // a bytes.Buffer is not a terminal
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			var buf bytes.Buffer
			log, err := logging.New(config.Log{Level: "info", Format: tt.format}, &buf, nil)
			if err != nil {
				t.Fatal(err)
			}
			log.Info().Str("customer", "acme").Msg("hello")
			out := buf.String()
			isJSON := json.Valid(bytes.TrimSpace(buf.Bytes()))
			if isJSON != tt.wantJSON {
				t.Errorf("JSON = %v, want %v: %q", isJSON, tt.wantJSON, out)
			}
			if !strings.Contains(out, "hello") || !strings.Contains(out, "acme") {
				t.Errorf("output %q lacks message or field", out)
			}
			if strings.Contains(out, "\x1b[") {
				t.Errorf("output to a non-terminal has colour codes: %q", out)
			}
		})
	}
}

func TestNew_AutoOnNonTerminalFileIsJSON(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	log, err := logging.New(config.Log{Level: "info", Format: "auto"}, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	log.Info().Msg("to a file")
	data, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(bytes.TrimSpace(data)) {
		t.Errorf("auto format to a regular file is not JSON: %q", data)
	}
}

func TestNew_LevelFiltering(t *testing.T) {
	tests := []struct {
		level string
		want  []string
	}{
		{"debug", []string{"d", "i", "w", "e"}},
		{"info", []string{"i", "w", "e"}},
		{"warn", []string{"w", "e"}},
		{"error", []string{"e"}},
	}
	for _, tt := range tests {
		t.Run(tt.level, func(t *testing.T) {
			var buf bytes.Buffer
			log, err := logging.New(config.Log{Level: tt.level, Format: "json"}, &buf, nil)
			if err != nil {
				t.Fatal(err)
			}
			log.Debug().Msg("d")
			log.Info().Msg("i")
			log.Warn().Msg("w")
			log.Error().Msg("e")
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
				if line == "" {
					continue
				}
				var m map[string]any
				if err := json.Unmarshal([]byte(line), &m); err != nil {
					t.Fatalf("bad line %q: %v", line, err)
				}
				got = append(got, m["message"].(string))
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("messages = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNew_BadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  config.Log
		want string
	}{
		{"level", config.Log{Level: "verbose", Format: "json"}, "log.level"},
		{"format", config.Log{Level: "info", Format: "xml"}, "log.format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := logging.New(tt.cfg, &bytes.Buffer{}, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one naming %s", err, tt.want)
			}
		})
	}
}

// TestNew_SecretsNeverReachTheLog logs known secrets and credential-shaped strings in
// every way code is likely to, in both formats, and asserts on the bytes written.
func TestNew_SecretsNeverReachTheLog(t *testing.T) {
	const (
		apiKey = "ITG.3f9c2a7b1e6d4c8fa0b5e2d7c9f1a3b6"
		bearer = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL21hbmFnZSJ9.c2lnbmF0dXJlLXBhcnQ"
		// unknown is a credential the redactor was never told about; only its shape
		// can give it away.
		unknown = "unregisteredTokenValue123456"
		// password has characters that JSON and the console format escape.
		password = `Pw"zq\back<slashQ>`
	)
	redactor := secret.NewRedactor(secret.New(apiKey), secret.New(bearer), secret.New(password))
	apiValue := secret.New(apiKey)

	for _, format := range []string{"json", "console"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			log, err := logging.New(config.Log{Level: "debug", Format: format}, &buf, redactor)
			if err != nil {
				t.Fatal(err)
			}
			log.Info().Str("api_key", apiKey).Msg("key as a field")
			log.Error().Err(fmt.Errorf("calling IT Glue with key %s: %w", apiKey, errors.New("401"))).Msg("key inside an error")
			log.Warn().Msgf("key in a message: %s", apiKey)
			log.Debug().Str("headers", "Authorization: Bearer "+bearer+"\r\nAccept: application/json").Msg("request headers")
			log.Debug().Msg("Authorization: Bearer " + unknown)
			log.Debug().Str("header", `x-api-key: "`+unknown+`"`).Msg("quoted header")
			log.Debug().Str("url", "https://x.example/report?sig="+unknown+"&page=2").Msg("signed URL")
			log.Warn().Str("dsn", "postgres://custos:"+password+"@db/custos").Msg("escaped password")
			log.Info().Interface("value_interface", apiValue).Msg("secret.Value as interface")
			log.Info().Stringer("value_stringer", apiValue).Msg("secret.Value as stringer")
			log.Info().Str("value_str", apiValue.String()).Msg("secret.Value as string")

			out := buf.String()
			for _, s := range []string{apiKey, bearer, unknown, "3f9c2a7b", "eyJ0eXAi", "Pw", "zq", "slashQ"} {
				if strings.Contains(out, s) {
					t.Errorf("log output contains secret %q:\n%s", s, out)
				}
			}
			for _, field := range []string{"value_interface", "value_stringer", "value_str"} {
				if !strings.Contains(out, field) {
					t.Errorf("field %s missing", field)
				}
			}
			if n := strings.Count(out, secret.Placeholder); n < 11 {
				t.Errorf("placeholder appears %d times, want at least 11:\n%s", n, out)
			}
			if format == "json" {
				for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
					if !json.Valid([]byte(line)) {
						t.Errorf("redaction broke a JSON line: %s", line)
					}
				}
			}
		})
	}
}
